#!/usr/bin/env node
// `ironlink-next dev|start [--port N] [--hostname H]`: the app's Next.js server behind a thin node:http
// server of ours, so the client's address comes from the socket (or from trusted proxies, TRUSTED_PROXIES)
// and never from a header the client wrote, and a page that meets the session store down answers 503.
// Everything else is Next's own request handler.
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { clientAddress, clientAddresses, parseTrustedProxies } from "../dist/server/client-address.js";
import { oidcServer } from "../dist/server/oidc-server.js";
import { handleWithStoreOutage } from "../dist/server/store-outage.js";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { port: { type: "string", short: "p" }, hostname: { type: "string", short: "H" } },
});
const mode = positionals[0];
if (mode !== "dev" && mode !== "start") fail("usage: ironlink-next dev|start [--port N] [--hostname H]");
const dev = mode === "dev";
const port = Number(values.port ?? process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`--port must be a TCP port (got "${values.port}").`);

let trusted;
try {
  trusted = parseTrustedProxies(process.env.TRUSTED_PROXIES);
} catch (error) {
  fail(error.message);
}

// As `next dev` and `next start` do; set before Next loads, since it reads NODE_ENV on import.
process.env.NODE_ENV ??= dev ? "development" : "production";
const { default: next } = await import("next");

// The sign-in app's OpenID Provider, beside Next (server/oidc-server.ts says why).
const oidc = oidcServer({ trustProxy: "list" in trusted || trusted.hops > 0 });
const server = createServer((req, res) => {
  const address = clientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"], trusted);
  // A page that meets the session store down gets the 503 page, not Next's error page (server/store-outage.ts).
  const toNext = () => clientAddresses.run(address, () => handleWithStoreOutage(req, res, () => handle(req, res)));
  if (oidc.handles(req)) return void oidc.handle(req, res, toNext);
  toNext();
});
const app = next({ dev, dir: process.cwd(), hostname: values.hostname ?? "localhost", port });
const handle = app.getRequestHandler();
await app.prepare();
// A sign-in app with OIDC clients whose register() has run (instrumentation) starts its provider now, so a
// client entry oidc-provider refuses stops the server here; otherwise at its first request (oidc-server.ts).
await oidc.start().catch((error) => fail(error.message));
// Dev's hot reloading talks over a WebSocket: Next answers upgrades too.
const upgrade = app.getUpgradeHandler();
server.on("upgrade", (req, socket, head) => upgrade(req, socket, head));
server.listen(port, values.hostname, () => {
  console.log(`> ${dev ? "Development" : "Production"} server on http://${values.hostname ?? "localhost"}:${port}`);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    server.close();
    app.close().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 3000).unref();
  });
}

function fail(message) {
  console.error(`ironlink-next: ${message}`);
  process.exit(1);
}
