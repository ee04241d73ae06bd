// The fleet's Express app: plain ESM JavaScript on @ironlink/express, as an app outside this repository would be.
import express from "express";
import { createIronlink, FleetMismatchError, SessionStoreUnavailableError } from "@ironlink/express";

const port = Number(process.env.SERVICE_PORT || 9000);
const serviceUrl = process.env.SERVICE_URL || `http://127.0.0.1:${port}`;

let ironlink;
try {
  ironlink = createIronlink({ appName: "Service", publicUrl: serviceUrl });
} catch (error) {
  // A setting the fleet cannot use (SESSION_PASSWORD, APP_ORIGINS, …): the message says which and what to set.
  console.error(`\n${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

const escapeHtml = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

const app = express();
app.disable("x-powered-by");
// The fleet's security headers; the default policy allows this page's own stylesheet, the live sign-out
// script and its event stream (both served by @ironlink/express), and forms to here and the sign-in app.
app.use(ironlink.securityHeaders());

app.get("/styles.css", (_req, res) => {
  res.type("css").set("Cache-Control", "public, max-age=3600").send(styles);
});

// Also serves the fleet's own routes: /api/health for load balancers, live sign-out, the cross-site sign-in.
app.use(ironlink.session());
app.use(ironlink.checkOrigin());

app.get("/", ironlink.requireUser(), (req, res) => {
  res.type("html").send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Service</title><link rel="stylesheet" href="/styles.css"></head>
<body><main>
<h1>Service</h1>
<p class="signed-in-as">Signed in as ${escapeHtml(req.user.username)}</p>
<form method="post" action="/logout"><button type="submit">Sign out</button></form>
</main><script src="/api/ironlink/live.js" async></script></body></html>
`);
});

app.get("/api/me", ironlink.requireUser(), (req, res) => {
  res.json({ user: req.user, signedInOn: req.session.signedInOn ?? null });
});

app.post("/logout", ironlink.signOut({ redirectTo: "/" }));

app.use((_req, res) => {
  res.status(404).json({ error: "not_found", message: "No such page." });
});
app.use(ironlink.handleStoreErrors());
// Anything else: logged here, never a stack trace to the client.
app.use((error, _req, res, _next) => {
  console.error(error);
  if (!res.headersSent) res.status(500).json({ error: "internal", message: "Something went wrong." });
});

const styles = `body{font-family:system-ui,sans-serif;background:#f3f4f6;color:#111827;display:grid;place-items:center;min-height:100vh;margin:0}
main{background:#fff;border-radius:.75rem;padding:2rem;max-width:28rem;box-shadow:0 1px 3px rgb(0 0 0/.1);border-top:4px solid #0f766e}
button{font:inherit;padding:.5rem 1rem;border-radius:.5rem;border:1px solid #0f766e;background:#0f766e;color:#fff;cursor:pointer}`;

try {
  await ironlink.checkSettings();
} catch (error) {
  if (error instanceof FleetMismatchError) {
    console.error(`\n${error.message}\n`);
    process.exit(1);
  }
  if (!(error instanceof SessionStoreUnavailableError)) throw error;
  // The same as the Next apps: a store that does not answer yet is no reason to refuse to start.
  console.warn("ironlink: the session store did not answer, so this app's settings were not compared with the fleet's.");
}

const server = app.listen(port, () => console.log(`Service ready on ${serviceUrl}`));
server.on("error", (error) => {
  console.error(`Service could not listen on port ${port}: ${error.message}`);
  process.exit(1);
});

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.once(signal, () => {
    server.close(async () => {
      await ironlink.close().catch(() => {});
      process.exit(0);
    });
  });
}
