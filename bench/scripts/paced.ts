/**
 * An open-loop load: requests at evenly spaced instants (`rate` per second), whether or not earlier ones
 * have answered, as independent users would send them. Latency counts from the instant a request was due,
 * so a server that falls behind cannot hide it (no coordinated omission). autocannon's own rate limit
 * instead sends each connection's quota back to back at the start of every second.
 */
import { Agent, request } from "node:http";
import type { LoadResult } from "./http";
import { percentile } from "./timing";

export async function pacedLoad(options: {
  url: string;
  cookie?: string;
  rate: number;
  durationSeconds: number;
  /** Seconds of the same load before, not recorded: connections open, the server settles into the rate. */
  leadInSeconds?: number;
  maxSockets?: number;
}): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 32 });
  const url = new URL(options.url);
  const latencies: number[] = [];
  let sent = 0;
  let non2xx = 0;
  let errors = 0;
  const pending = new Set<Promise<void>>();
  const leadIn = Math.round(options.rate * (options.leadInSeconds ?? 0));
  const one = (due: number, recorded: boolean) => {
    if (recorded) sent++;
    const done = new Promise<void>((resolve) => send(due, recorded, resolve));
    pending.add(done);
    void done.then(() => pending.delete(done));
  };
  /**
   * One request, timed from `due`. A kept-alive socket the server closed as idle just as it was reused fails
   * with ECONNRESET before any answer: sent again on a fresh socket, as browsers do (Node's documented retry
   * for `reusedSocket`), still timed from the same due instant.
   */
  const send = (due: number, recorded: boolean, resolve: () => void) => {
    const req = request(
      { agent, host: url.hostname, port: url.port, path: url.pathname + url.search, headers: options.cookie ? { cookie: options.cookie } : {} },
      (res) => {
        res.resume();
        res.on("end", () => {
          if (!recorded) return resolve();
          if (res.statusCode && res.statusCode >= 200 && res.statusCode < 300) latencies.push(performance.now() - due);
          else non2xx++;
          resolve();
        });
        res.on("error", () => {
          if (recorded) errors++;
          resolve();
        });
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error("timeout")));
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (req.reusedSocket && error.code === "ECONNRESET") return send(due, recorded, resolve);
      if (recorded) errors++;
      resolve();
    });
    req.end();
  };
  const interval = 1000 / options.rate;
  const start = performance.now();
  const total = leadIn + Math.round(options.rate * options.durationSeconds);
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next < total && start + next * interval <= now) {
        one(start + next * interval, next >= leadIn);
        next++;
      }
      if (next >= total) return resolve();
      setTimeout(tick, Math.max(0, start + next * interval - performance.now()));
    };
    tick();
  });
  await Promise.all(pending);
  const elapsed = (performance.now() - start) / 1000 - leadIn / options.rate;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    rps: (latencies.length + non2xx) / elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    mean: latencies.reduce((s, l) => s + l, 0) / Math.max(1, latencies.length),
    sent,
    responses: latencies.length + non2xx,
    non2xx,
    errors,
    latencies,
  };
}
