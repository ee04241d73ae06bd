/**
 * An open-loop load: requests at evenly spaced instants (`rate` per second), whether or not earlier ones
 * have answered, as independent users would send them. Latency counts from the instant a request was due,
 * so a server that falls behind cannot hide it (no coordinated omission). autocannon's own rate limit
 * instead sends each connection's quota back to back at the start of every second.
 */
import { Agent, request } from "node:http";
import type { LoadResult } from "./http";
import { percentile } from "./timing";

export interface PacedLoadOptions {
  url: string;
  cookie?: string;
  rate: number;
  durationSeconds: number;
  /** Seconds of the same load before, not recorded: connections open, the server settles into the rate. */
  leadInSeconds?: number;
  maxSockets?: number;
}

/** What the recorded requests came to. */
interface PacedTally {
  latencies: number[];
  sent: number;
  non2xx: number;
  errors: number;
}

export async function pacedLoad(options: PacedLoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 32 });
  const tally: PacedTally = { latencies: [], sent: 0, non2xx: 0, errors: 0 };
  const pending = new Set<Promise<void>>();
  const leadIn = Math.round(options.rate * (options.leadInSeconds ?? 0));
  const send = timedSender(agent, new URL(options.url), options.cookie, tally);
  const one = (due: number, recorded: boolean) => {
    if (recorded) tally.sent++;
    const done = new Promise<void>((resolve) => send(due, recorded, resolve));
    pending.add(done);
    void done.then(() => pending.delete(done));
  };
  const start = performance.now();
  await sendOnSchedule(options.rate, leadIn + Math.round(options.rate * options.durationSeconds), start, (due, index) => one(due, index >= leadIn));
  await Promise.all(pending);
  const elapsed = (performance.now() - start) / 1000 - leadIn / options.rate;
  agent.destroy();
  return pacedResult(tally, elapsed);
}

/**
 * One request, timed from `due`. A kept-alive socket the server closed as idle just as it was reused fails
 * with ECONNRESET before any answer: sent again on a fresh socket, as browsers do (Node's documented retry
 * for `reusedSocket`), still timed from the same due instant.
 */
function timedSender(agent: Agent, url: URL, cookie: string | undefined, tally: PacedTally) {
  const send = (due: number, recorded: boolean, resolve: () => void) => {
    const req = request(
      { agent, host: url.hostname, port: url.port, path: url.pathname + url.search, headers: cookie ? { cookie } : {} },
      (res) => {
        res.resume();
        res.on("end", () => {
          if (!recorded) return resolve();
          if (res.statusCode && res.statusCode >= 200 && res.statusCode < 300) tally.latencies.push(performance.now() - due);
          else tally.non2xx++;
          resolve();
        });
        res.on("error", () => {
          if (recorded) tally.errors++;
          resolve();
        });
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error("timeout")));
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (req.reusedSocket && error.code === "ECONNRESET") return send(due, recorded, resolve);
      if (recorded) tally.errors++;
      resolve();
    });
    req.end();
  };
  return send;
}

/** Calls `fire` for requests 0..total-1 at evenly spaced instants from `start`, catching up on any that fell due while the loop slept. */
async function sendOnSchedule(rate: number, total: number, start: number, fire: (due: number, index: number) => void): Promise<void> {
  const interval = 1000 / rate;
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next < total && start + next * interval <= now) {
        fire(start + next * interval, next);
        next++;
      }
      if (next >= total) return resolve();
      setTimeout(tick, Math.max(0, start + next * interval - performance.now()));
    };
    tick();
  });
}

function pacedResult(tally: PacedTally, elapsed: number): LoadResult {
  const { latencies, non2xx } = tally;
  latencies.sort((a, b) => a - b);
  return {
    rps: (latencies.length + non2xx) / elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    mean: latencies.reduce((s, l) => s + l, 0) / Math.max(1, latencies.length),
    sent: tally.sent,
    responses: latencies.length + non2xx,
    non2xx,
    errors: tally.errors,
    latencies,
  };
}
