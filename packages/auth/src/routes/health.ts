import { getRedis } from "../redis";
import { json } from "../http";

/** GET /api/health: for load balancers. 200 while Redis answers PING, 503 while it does not. */
export async function GET(): Promise<Response> {
  const started = performance.now();
  try {
    await getRedis().ping();
    return json({ status: "ok", redis: "ok", latencyMs: round(performance.now() - started) });
  } catch {
    return json({ status: "unavailable", redis: "down", latencyMs: round(performance.now() - started) }, 503);
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;
