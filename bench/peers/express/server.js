// The bench's Express 5 peer: one app, one process, two session layers side by side on two mount paths, so
// they share everything else (Express, its settings, Node, the machine):
//
//   /express-session/…  express-session 1.x + connect-redis (node-redis client), its recommended options;
//   /ironlink/…         @ironlink/express, the fleet's session (the same cookie and store as app one).
//
// Each mount answers GET /api/session ({ user, signedInAt } or 401, as app one does) and POST
// /api/session/save (change one field, save). express-session also has POST /api/login: a sign-in without a
// password check, used by the bench to create sessions outside the timed turns. Ironlink's sessions are
// written by the bench itself, through the fleet's session manager, as the sign-in app writes them.
//
// Environment: PORT, REDIS_URL, BENCH_SESSION_PASSWORD (express-session's secret), and the fleet's variables
// (SESSION_PASSWORD, APP_ORIGINS, …) for Ironlink.
import { createIronlink } from "@ironlink/express";
import { RedisStore } from "connect-redis";
import express from "express";
import session from "express-session";
import { createClient } from "redis";

const port = Number(process.env.PORT);
const origin = `http://127.0.0.1:${port}`;
const unauthenticated = { error: "unauthenticated", message: "Not signed in." };
/** Same as the other contenders: answers that depend on the session are never cached. */
const noStore = (res) => res.set("Cache-Control", "no-store");

// express-session + connect-redis, as connect-redis's README sets them up.
const redisClient = createClient({ url: process.env.REDIS_URL });
redisClient.on("error", (error) => console.error("redis:", error.message));
await redisClient.connect();
const expressSession = express.Router();
expressSession.use(
  session({
    store: new RedisStore({ client: redisClient, prefix: "bench:express-session:" }),
    secret: process.env.BENCH_SESSION_PASSWORD,
    resave: false, // connect-redis: "required: force lightweight session keep alive (touch)"
    saveUninitialized: false, // "recommended: only save session when data exists"
    // secure: false only because the bench speaks plain HTTP on loopback; behind TLS it would be true.
    cookie: { httpOnly: true, sameSite: "lax", secure: false, maxAge: 12 * 3600 * 1000 },
  }),
);
expressSession.post("/api/login", express.json({ limit: "64kb" }), (req, res) => {
  const { username, padding } = req.body;
  Object.assign(req.session, { user: { id: username, username }, signedInAt: Date.now(), signedInOn: "Bench Express", userAgent: "bench", padding });
  noStore(res).json({ user: req.session.user });
});
expressSession.get("/api/session", (req, res) => {
  if (!req.session.user) return noStore(res).status(401).json(unauthenticated);
  noStore(res).json({ user: req.session.user, signedInAt: req.session.signedInAt });
});
expressSession.post("/api/session/save", (req, res) => {
  if (!req.session.user) return noStore(res).status(401).json(unauthenticated);
  req.session.lastAction = Date.now(); // saved by express-session when the response ends (the session changed)
  noStore(res).json({ user: req.session.user, lastAction: req.session.lastAction });
});

// @ironlink/express: the fleet's session on req.session and req.user (it sets Cache-Control: no-store).
const ironlink = createIronlink({ appName: "Bench Express", publicUrl: `${origin}/ironlink` });
const ironlinkRoutes = express.Router();
ironlinkRoutes.use(ironlink.session());
ironlinkRoutes.get("/api/session", (req, res) => {
  if (!req.user) return res.status(401).json(unauthenticated);
  res.json({ user: req.user, signedInAt: req.session.signedInAt });
});
ironlinkRoutes.post("/api/session/save", async (req, res) => {
  if (!req.user) return res.status(401).json(unauthenticated);
  req.session.lastAction = Date.now();
  await req.session.save();
  res.json({ user: req.user, lastAction: req.session.lastAction });
});

const app = express();
app.disable("x-powered-by");
app.get("/health", (_req, res) => noStore(res).json({ status: "ok" }));
app.use("/express-session", expressSession);
app.use("/ironlink", ironlinkRoutes);
app.use(ironlink.handleStoreErrors());

await ironlink.checkSettings();
const server = app.listen(port, "127.0.0.1", () => console.log(`bench express peer on ${origin}`));
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.once(signal, () => {
    server.close();
    Promise.allSettled([ironlink.close(), redisClient.quit()]).finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 3000).unref();
  });
}
