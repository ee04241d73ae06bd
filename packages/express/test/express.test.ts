import { freePort } from "@ironlink/testing";
import { sealData } from "@ironlink/session";
import { FleetMismatchError } from "@ironlink/session/fleet";
import { beforeAll, describe, expect, test, vi } from "vitest";
import { createIronlink, FleetConfigError } from "../src/index";
import {
  appOfFleet,
  browserAccept,
  cookieHeader,
  fleetEnv,
  ironlinkFor,
  loginUrl,
  password,
  publicUrl,
  rawRequest,
  seenBy,
  signIn,
  startApp,
} from "./helpers";

const env = fleetEnv();
/** The fleet's sign-in app (App One): it writes the sessions the Express app reads. */
const signInApp = appOfFleet(env, "App One");
const ironlink = ironlinkFor(env);
const alice = { id: "u-alice", username: "alice" };
const mallory = { id: "u-mallory", username: "mallory" };

let base: string;
/** The same app without app.use(session()) or checkOrigin(): requireUser and signOut stand on their own. */
let bare: string;
beforeAll(async () => {
  base = await startApp((app) => {
    app.use(ironlink.session());
    app.use(ironlink.checkOrigin());
    app.get("/api/me", ironlink.requireUser(), (req, res) => void res.json({ user: req.user }));
    app.get("/page", ironlink.requireUser(), (req, res) => void res.type("text").send(`hello ${req.user?.username}`));
    app.get("/billing", ironlink.requireUser({ factors: 2 }), (req, res) => void res.type("text").send(`billing for ${req.user?.username}`));
    app.get("/whoami", (req, res) => void res.json({ user: req.user ?? null, state: req.session.user ? "signed-in" : "anonymous" }));
    app.post("/echo", (_req, res) => void res.json({ ok: true }));
  });
  bare = await startApp((app) => {
    app.get("/api/me", ironlink.requireUser(), (req, res) => void res.json({ user: req.user }));
    app.get("/page", ironlink.requireUser(), (_req, res) => void res.send("page"));
    app.post("/logout", ironlink.signOut());
    app.post("/logout-all", ironlink.signOut({ everywhere: true, redirectTo: "/bye" }));
  });
});

const withCookie = (...values: string[]) => ({ cookie: cookieHeader(signInApp, ...values) });

describe("session(): the fleet's session on req.session and req.user", () => {
  test("a cookie the sign-in app sealed is read: req.user is its user, and the answer is not cacheable", async () => {
    const cookie = await signIn(signInApp, alice);
    const response = await fetch(`${base}/api/me`, { headers: withCookie(cookie) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ user: alice });
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  test("no cookie, or a forged one, is anonymous", async () => {
    expect(await (await fetch(`${base}/whoami`)).json()).toEqual({ user: null, state: "anonymous" });
    const forged = await fetch(`${base}/whoami`, { headers: withCookie("Fe26.2**forged") });
    expect(await forged.json()).toEqual({ user: null, state: "anonymous" });
  });

  test("a second live session cookie planted beside ours (another port, a sibling domain) makes the request anonymous", async () => {
    const ours = await signIn(signInApp, alice);
    const planted = await signIn(signInApp, mallory);
    expect((await fetch(`${base}/api/me`, { headers: withCookie(ours) })).status).toBe(200);
    for (const order of [[planted, ours], [ours, planted]]) {
      const response = await fetch(`${base}/api/me`, { headers: withCookie(...order) });
      expect(response.status).toBe(401);
    }
  });
  test("a stateless iron-session cookie is accepted once and moved into the store under a new id", async () => {
    const legacy = await sealData({ user: alice }, { password, ttl: 3600 });
    const first = await fetch(`${base}/api/me`, { headers: withCookie(legacy) });
    expect(await first.json()).toEqual({ user: alice });
    const name = signInApp.config.cookieName;
    const moved = first.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
    expect(moved).toBeDefined();
    const cookie = decodeURIComponent(moved!.split(";")[0]!.slice(name.length + 1));
    expect(await seenBy(signInApp, cookie)).toEqual({ state: "active", user: alice });
    expect((await fetch(`${base}/api/me`, { headers: withCookie(legacy) })).status).toBe(401);
  });
});

describe("requireUser()", () => {
  const page = "/page?q=a%20b&return=%2Fx&x=1";
  const expectedSignIn = `${loginUrl}/login?next=${encodeURIComponent(`${publicUrl}${page}`)}`;

  test("an anonymous browser goes to the fleet's sign-in page, with this page's absolute URL (from publicUrl) as next", async () => {
    for (const url of [base, bare]) {
      const response = await fetch(`${url}${page}`, { headers: { accept: browserAccept }, redirect: "manual" });
      expect(response.status).toBe(303);
      expect(response.headers.get("location")).toBe(expectedSignIn);
    }
    expect(new URL(expectedSignIn).searchParams.get("next")).toBe(`${publicUrl}/page?q=a%20b&return=%2Fx&x=1`);
  });

  test("the return address ignores the Host header the client chose", async () => {
    const response = await rawRequest(`${base}${page}`, { accept: browserAccept, host: "evil.test" });
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe(expectedSignIn);
  });

  test("an anonymous API client gets 401 JSON, not a redirect", async () => {
    for (const url of [base, bare]) {
      const response = await fetch(`${url}/api/me`, { redirect: "manual" });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: "unauthenticated", message: "Not signed in." });
    }
  });

  test("a signed-in browser gets the page", async () => {
    const cookie = await signIn(signInApp, alice);
    const response = await fetch(`${base}${page}`, { headers: { accept: browserAccept, ...withCookie(cookie) }, redirect: "manual" });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("hello alice");
  });

  test("{ factors: 2 }: a sign-in with two factors gets the page; one factor goes to the sign-in app for a second (a browser) or gets 403 (an API client)", async () => {
    const twoFactors = await signIn(signInApp, alice, ["pwd", "otp", "mfa"]);
    const ok = await fetch(`${base}/billing`, { headers: { accept: browserAccept, ...withCookie(twoFactors) }, redirect: "manual" });
    expect([ok.status, await ok.text()]).toEqual([200, "billing for alice"]);
    for (const amr of [undefined, ["pwd"], ["hwk"], ["mfa-forged-as-string"]]) {
      const oneFactor = await signIn(signInApp, alice, amr);
      const browser = await fetch(`${base}/billing`, { headers: { accept: browserAccept, ...withCookie(oneFactor) }, redirect: "manual" });
      expect(browser.status).toBe(303);
      expect(browser.headers.get("location")).toBe(`${loginUrl}/login?${new URLSearchParams({ next: `${publicUrl}/billing`, factors: "2" })}`);
      const api = await fetch(`${base}/billing`, { headers: withCookie(oneFactor), redirect: "manual" });
      expect(api.status).toBe(403);
      expect(((await api.json()) as { error: string }).error).toBe("second_factor_required");
    }
  });

  test("signInUrl: an absolute return address as given, a path on publicUrl", () => {
    expect(ironlink.signInUrl("https://app.example.test/a?b=c")).toBe(`${loginUrl}/login?next=https%3A%2F%2Fapp.example.test%2Fa%3Fb%3Dc`);
    expect(ironlink.signInUrl("/reports")).toBe(`${loginUrl}/login?next=${encodeURIComponent(`${publicUrl}/reports`)}`);
  });
});

describe("checkOrigin(): the fleet's CSRF rule", () => {
  const post = (headers: Record<string, string>) => fetch(`${base}/echo`, { method: "POST", headers });

  test.each([
    "http://127.0.0.1:5000.evil.test",
    "http://127.0.0.1:9000.evil.test",
    "http://evil.test",
    "null",
    "https://127.0.0.1:9000", // another scheme
    "http://127.0.0.1:9001", // another port
    "http://localhost:9000", // another host name for the same machine
  ])("refuses a POST from %s with 403 JSON", async (origin) => {
    const response = await post({ origin });
    expect(response.status).toBe(403);
    const body = (await response.json()) as { error: string; message: string };
    expect(body.error).toBe("forbidden_origin");
    // It names the refused Origin and the list it is not in, so "localhost" against "127.0.0.1" is seen at once.
    expect(body.message).toContain(`came from ${origin}, which is not in APP_ORIGINS (`);
    expect(body.message).toContain("http://127.0.0.1:9000");
  });

  test("a browser's form post from a foreign site gets a 403 page", async () => {
    const response = await post({ origin: "http://evil.test", accept: browserAccept });
    expect(response.status).toBe(403);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await response.text()).toContain("Cross-site request refused");
  });

  test.each(["http://127.0.0.1:5000", "http://127.0.0.1:9000", "https://app.example.test"])("lets a POST from %s through", async (origin) => {
    expect((await post({ origin })).status).toBe(200);
  });

  test("no Origin passes (curl, servers) unless the browser marked the request cross-site", async () => {
    expect((await post({})).status).toBe(200);
    expect((await post({ "sec-fetch-site": "same-origin" })).status).toBe(200);
    expect((await post({ "sec-fetch-site": "cross-site" })).status).toBe(403);
  });

  test("PUT, PATCH and DELETE are checked too; GET is not", async () => {
    for (const method of ["PUT", "PATCH", "DELETE"]) {
      expect((await fetch(`${base}/echo`, { method, headers: { origin: "http://evil.test" } })).status).toBe(403);
    }
    expect((await fetch(`${base}/whoami`, { headers: { origin: "http://evil.test" } })).status).toBe(200);
  });
});

describe("signOut()", () => {
  const form = { "content-type": "application/x-www-form-urlencoded", origin: publicUrl, accept: browserAccept };
  const json = { "content-type": "application/json", origin: publicUrl };

  test("a form sign-out ends the session in the store: another app of the fleet sees it gone; 303 to /", async () => {
    const cookie = await signIn(signInApp, alice);
    expect(await seenBy(signInApp, cookie)).toEqual({ state: "active", user: alice });
    const response = await fetch(`${bare}/logout`, { method: "POST", headers: { ...form, ...withCookie(cookie) }, body: "", redirect: "manual" });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/");
    expect(response.headers.get("clear-site-data")).toBe('"cookies"');
    const cleared = response.headers.getSetCookie().find((c) => c.startsWith(`${signInApp.config.cookieName}=`));
    expect(cleared).toMatch(/Max-Age=0/);
    expect(await seenBy(signInApp, cookie)).toEqual({ state: "expired", user: undefined });
  });

  test("an API client gets JSON; only this session ends unless asked", async () => {
    const laptop = await signIn(signInApp, alice);
    const phone = await signIn(signInApp, alice);
    const response = await fetch(`${bare}/logout`, { method: "POST", headers: { ...json, ...withCookie(laptop) }, body: "{}" });
    expect(await response.json()).toEqual({ signedOut: true, everywhere: false });
    expect((await seenBy(signInApp, laptop)).state).toBe("expired");
    expect((await seenBy(signInApp, phone)).state).toBe("active");
  });

  test.each([
    ["JSON everywhere: true", json, JSON.stringify({ everywhere: true }), "/logout"],
    ["the form field scope=everywhere", form, "scope=everywhere", "/logout"],
    ["the option everywhere: true", json, "", "/logout-all"],
  ])("%s ends every session of the user", async (_how, headers, body, path) => {
    const laptop = await signIn(signInApp, alice);
    const phone = await signIn(signInApp, alice);
    const other = await signIn(signInApp, mallory);
    const response = await fetch(`${bare}${path}`, { method: "POST", headers: { ...headers, ...withCookie(laptop) }, body, redirect: "manual" });
    expect(response.status).toBeLessThan(400);
    if (path === "/logout-all") expect(await response.json()).toEqual({ signedOut: true, everywhere: true });
    expect((await seenBy(signInApp, laptop)).state).toBe("expired");
    expect((await seenBy(signInApp, phone)).state).toBe("expired");
    expect((await seenBy(signInApp, other)).state).toBe("active");
  });

  test("redirectTo sends browsers elsewhere", async () => {
    const cookie = await signIn(signInApp, alice);
    const response = await fetch(`${bare}/logout-all`, { method: "POST", headers: { ...form, ...withCookie(cookie) }, body: "", redirect: "manual" });
    expect(response.headers.get("location")).toBe("/bye");
  });

  test.each([
    ["malformed JSON", "{not json"],
    ["a body over 16 kB", JSON.stringify({ everywhere: true, padding: "x".repeat(17 * 1024) })],
  ])("%s is a plain sign-out, never an error", async (_what, body) => {
    const laptop = await signIn(signInApp, alice);
    const phone = await signIn(signInApp, alice);
    const response = await fetch(`${bare}/logout`, { method: "POST", headers: { ...json, ...withCookie(laptop) }, body });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ signedOut: true, everywhere: false });
    expect((await seenBy(signInApp, laptop)).state).toBe("expired");
    expect((await seenBy(signInApp, phone)).state).toBe("active");
  });

  test("a sign-out posted from another site is refused, even without checkOrigin(), and the session lives on", async () => {
    const cookie = await signIn(signInApp, alice);
    const response = await fetch(`${bare}/logout`, { method: "POST", headers: { ...json, origin: "http://evil.test", ...withCookie(cookie) }, body: "{}" });
    expect(response.status).toBe(403);
    expect((await seenBy(signInApp, cookie)).state).toBe("active");
  });
});

describe("while the store is down", () => {
  let down: string;
  let cookie: string;
  beforeAll(async () => {
    cookie = await signIn(signInApp, alice);
    // A port nothing listens on: the store is down from the start.
    const downEnv = { ...env, REDIS_URL: `redis://127.0.0.1:${await freePort()}` };
    const unreachable = createIronlink({ appName: "Service", publicUrl, env: downEnv });
    // The same app, whose fleet has not noticed the outage yet: the request meets it in getSession.
    const unaware = createIronlink({ publicUrl, fleet: { ...unreachable.fleet, isStoreDown: () => false } });
    // No handleStoreErrors() but on /own: the middleware answer the outage themselves.
    down = await startApp((app) => {
      app.get("/unaware", unaware.requireUser(), (_req, res) => void res.send("no"));
      // A handler of the app's own that meets the outage: handleStoreErrors() answers for it.
      app.get("/own", async (req, res) => void res.json(await unreachable.fleet.sessions.getSession(req, res)));
      app.use("/own", unreachable.handleStoreErrors());
      app.post("/logout", unreachable.signOut());
      app.use(unreachable.session());
      app.get("/api/me", (req, res) => void res.json({ user: req.user }));
    });
    await vi.waitFor(() => expect(unreachable.fleet.isStoreDown()).toBe(true), { timeout: 5000 });
    return () => unreachable.close();
  });

  test.each(["/api/me", "/unaware", "/own", "/logout"])("%s answers 503 JSON to an API client", async (path) => {
    const response = await fetch(`${down}${path}`, { method: path === "/logout" ? "POST" : "GET", headers: withCookie(cookie) });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(await response.json()).toMatchObject({ error: "unavailable" });
  });

  test("a browser gets a friendly page, not a stack trace", async () => {
    for (const path of ["/api/me", "/unaware"]) {
      const response = await fetch(`${down}${path}`, { headers: { accept: browserAccept, ...withCookie(cookie) } });
      expect(response.status).toBe(503);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      const body = await response.text();
      expect(body).toContain("Sign-in is temporarily unavailable");
      expect(body).not.toMatch(/Error|at .*\.js/);
    }
  });
});

describe("createIronlink and checkSettings", () => {
  test.each([
    ["http://127.0.0.1:9001", /not in APP_ORIGINS/],
    ["http://127.0.0.1.evil.test:9000", /not in APP_ORIGINS/],
    ["https://127.0.0.1:9000", /not in APP_ORIGINS/],
    ["not a url", /not an absolute URL/],
    ["http://127.0.0.1:9000/?x=1", /must be an origin/],
    [undefined, /needs publicUrl/],
    ["", /needs publicUrl/],
  ])("refuses publicUrl %s", (url, message) => {
    expect(() => createIronlink({ publicUrl: url, fleet: signInApp })).toThrow(FleetConfigError);
    expect(() => createIronlink({ publicUrl: url, fleet: signInApp })).toThrow(message);
  });

  test("keeps a path prefix of publicUrl in return addresses", () => {
    const mounted = createIronlink({ publicUrl: "http://127.0.0.1:9000/service/", fleet: signInApp });
    expect(mounted.publicUrl).toBe("http://127.0.0.1:9000/service");
    expect(mounted.signInUrl("/a")).toBe(`${loginUrl}/login?next=${encodeURIComponent("http://127.0.0.1:9000/service/a")}`);
  });

  test("checkSettings refuses settings that differ from the fleet's record, naming the variable", async () => {
    const own = fleetEnv();
    await createIronlink({ publicUrl, fleet: appOfFleet(own, "App One") }).checkSettings();
    await expect(createIronlink({ publicUrl, fleet: appOfFleet(own) }).checkSettings()).resolves.toBeUndefined();
    const differing = createIronlink({ publicUrl, fleet: appOfFleet({ ...own, SESSION_IDLE_TIMEOUT: "600" }) });
    const failure = differing.checkSettings();
    await expect(failure).rejects.toThrow(FleetMismatchError);
    await expect(failure).rejects.toThrow(/SESSION_IDLE_TIMEOUT: this app has 600, the fleet has 1800/);
  });
});
