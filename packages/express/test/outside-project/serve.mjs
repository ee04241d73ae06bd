// Plain Node, outside the workspace: an Express app on @ironlink/express, asked as a browser and an API would.
// argv: the fleet's environment as JSON, then a session cookie the workspace's library sealed.
import { createIronlink } from "@ironlink/express";
import express from "express";

const env = JSON.parse(process.argv[2]);
const cookie = process.argv[3];
const ironlink = createIronlink({ appName: "outside", publicUrl: env.SERVICE_URL, env });
await ironlink.checkSettings();
const app = express();
app.use(ironlink.session(), ironlink.checkOrigin());
app.get("/api/me", ironlink.requireUser(), (req, res) => res.json({ user: req.user }));
const server = app.listen(0, "127.0.0.1");
await new Promise((resolve) => server.once("listening", resolve));
const base = `http://127.0.0.1:${server.address().port}`;
const cookieHeader = `${ironlink.config.cookieName}=${encodeURIComponent(cookie)}`;
const signedIn = await fetch(`${base}/api/me`, { headers: { cookie: cookieHeader } });
const browser = await fetch(`${base}/api/me`, { headers: { accept: "text/html" }, redirect: "manual" });
const crossSite = await fetch(`${base}/api/me`, { method: "POST", headers: { origin: "http://evil.test" } });
console.log(
  JSON.stringify({
    signedIn: { status: signedIn.status, body: await signedIn.json() },
    browser: { status: browser.status, location: browser.headers.get("location") },
    crossSite: crossSite.status,
  }),
);
server.close();
await ironlink.close();
