/** autocannon, programmatically, with exact latencies (sub-millisecond) and an exact count of requests sent. */
import autocannon from "autocannon";
import { percentile } from "./timing";

export interface LoadOptions {
  url: string;
  method?: "GET" | "POST";
  /** Cookie header for every connection, or one per connection (connection i gets cookies[i % n]). */
  cookie?: string | string[];
  connections: number;
  durationSeconds: number;
  /** Requests per second over all connections; unset means as fast as the server answers. */
  overallRate?: number;
  headers?: Record<string, string>;
}

export interface LoadResult {
  /** Responses per second (2xx and others), over the whole turn. */
  rps: number;
  /** Milliseconds, exact (every 2xx response's own time). */
  p50: number;
  p99: number;
  mean: number;
  /** Requests written to the server, answered or not: what the server worked on. */
  sent: number;
  responses: number;
  non2xx: number;
  errors: number;
  /** Every 2xx latency, sorted (ms); only from the open-loop generator. */
  latencies?: number[];
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let sent = 0;
  let connection = 0;
  const cookies = options.cookie === undefined ? [] : Array.isArray(options.cookie) ? options.cookie : [options.cookie];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        method: options.method ?? "GET",
        connections: options.connections,
        duration: options.durationSeconds,
        overallRate: options.overallRate,
        headers: { ...options.headers, ...(options.method === "POST" ? { "content-type": "application/json" } : {}) },
        body: options.method === "POST" ? "{}" : undefined,
        setupClient: (client) => {
          const cookie = cookies[connection++ % Math.max(1, cookies.length)];
          if (cookie !== undefined) {
            client.setHeaders({
              ...options.headers,
              ...(options.method === "POST" ? { "content-type": "application/json" } : {}),
              cookie,
            });
          }
          (client as unknown as NodeJS.EventEmitter).on("request", () => {
            sent++;
          });
        },
      },
      (error, res) => (error ? reject(error) : resolve(res)),
    );
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
  latencies.sort((a, b) => a - b);
  const responses = result.requests.total; // every response, 2xx or not
  return {
    rps: responses / result.duration,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    mean: latencies.reduce((s, l) => s + l, 0) / Math.max(1, latencies.length),
    sent,
    responses,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** Fails loudly when a turn was not what it claims to measure (401s, 500s, dropped connections). */
export function assertClean(name: string, result: LoadResult): void {
  if (result.non2xx > 0 || result.errors > 0 || result.responses === 0) {
    throw new Error(`${name}: ${result.non2xx} non-2xx responses and ${result.errors} errors out of ${result.responses}; the fixture is not answering as expected.`);
  }
}
