/**
 * The bench's OpenID Provider server (issue 25): one process per contender, started by scripts/oidc.ts, built
 * the same way but for the provider itself (BENCH_OIDC_STORE):
 *
 *   redis    `createOidcProvider(fleet)`: the fleet's provider as it ships, its records on the fleet's Redis;
 *   memory   oidc-provider with its own in-memory adapter, configured like ours (memory-provider.ts).
 *
 * Both hold the fleet (createFleet on REDIS_URL) for the browser's fleet session, and answer:
 *
 *   /oidc/…, /.well-known/…  the provider;
 *   GET /session             one read of the fleet session (200 signed in, 401 not): the hop's yardstick;
 *   GET /health              200;
 *   GET /bench/timings       the server time of each timed request since the last call, by step (and clears them).
 *
 * Environment: PORT, BENCH_OIDC_STORE and the fleet's variables (SESSION_PASSWORD, APP_ORIGINS, LOGIN_URL,
 * REDIS_URL, IRONLINK_OIDC_CLIENTS, IRONLINK_OIDC_JWKS, COOKIE_SECURE).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createFleet, type Fleet } from "@ironlink/session/fleet";
import { createOidcProvider } from "@ironlink/session/oidc";
import { createMemoryProvider } from "./memory-provider";

const port = Number(process.env.PORT);
const kind = process.env.BENCH_OIDC_STORE;
if (kind !== "redis" && kind !== "memory") throw new Error(`BENCH_OIDC_STORE must be "redis" or "memory" (got ${kind})`);

const fleet = createFleet({ appName: `bench oidc (${kind})` });
const provider = kind === "redis" ? await createOidcProvider(fleet) : await createMemoryProvider(fleet);
const timings = serverTimings();

const server = createServer((req, res) => {
  const { pathname } = new URL(req.url ?? "/", "http://localhost");
  timings.time(pathname, res);
  if (provider.handles(pathname)) return provider.handle(req, res);
  if (pathname === "/session") return void readSession(fleet, req, res);
  if (pathname === "/health") return void res.writeHead(200).end("ok");
  if (pathname === "/bench/timings") return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(timings.take()));
  res.writeHead(404).end();
});
server.keepAliveTimeout = 60_000; // the bench's connections stay open between turns
server.listen(port, "127.0.0.1", () => console.log(`bench oidc provider (${kind}) on http://127.0.0.1:${port}`));

/** One session read, as any app of the fleet does it for a request. */
async function readSession(fleet: Fleet, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const session = await fleet.sessions.getSession(req, res);
    const user = fleet.userOf(session.user);
    res.writeHead(user ? 200 : 401, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify({ user }));
  } catch (error) {
    res.writeHead(500).end(String(error));
  }
}

/**
 * Milliseconds from a request's arrival to its response's end, for the steps of the hop (and the session
 * read): measured here so the bench client's own event loop is not in the figure.
 */
function serverTimings() {
  let recorded: Record<string, number[]> = {};
  const stepOf = (pathname: string): string | undefined => {
    if (pathname === "/oidc/auth") return "authorize";
    if (pathname.startsWith("/oidc/interaction/")) return "interaction";
    if (pathname.startsWith("/oidc/auth/")) return "resume";
    if (pathname === "/oidc/token") return "token";
    if (pathname === "/session") return "session";
    return undefined;
  };
  return {
    time(pathname: string, res: ServerResponse) {
      const step = stepOf(pathname);
      if (!step) return;
      const started = process.hrtime.bigint();
      res.once("finish", () => {
        recorded[step] ??= [];
        recorded[step].push(Number(process.hrtime.bigint() - started) / 1e6);
      });
    },
    take() {
      const taken = recorded;
      recorded = {};
      return taken;
    },
  };
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
    Promise.allSettled([provider.close(), fleet.close()]).finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 3000).unref();
  });
}
