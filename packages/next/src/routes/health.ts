import { json } from "../http";
import { getStorage } from "../storage";

/**
 * GET /api/health: for load balancers. 200 while the session store answers, 503 while it does not, with
 * the time it took. `redis` is "ok" or "down" (or absent with the file store).
 */
export async function GET(): Promise<Response> {
  const storage = getStorage();
  const started = performance.now();
  let ok = true;
  try {
    await storage.ping();
  } catch {
    ok = false;
  }
  const latencyMs = Math.round((performance.now() - started) * 100) / 100;
  const status = ok ? "ok" : "down";
  return json(
    { status: ok ? "ok" : "unavailable", store: storage.kind, ...(storage.kind === "redis" ? { redis: status } : { files: status }), latencyMs },
    ok ? 200 : 503,
  );
}
