import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createFleet, type Fleet } from "../src/fleet/index";
import { healthPath } from "../src/fleet/routes";
import { callbackPath, startPath, verifierCookieName } from "../src/fleet/satellite";
import { livePaths } from "../src/live";
import { password } from "./helpers";
import { webCookies } from "../src/cookies";
import { totpCode } from "../src/fleet/accounts/factors/totp";

/**
 * fleet.handle: the routes every kit serves alike, as Request in and Response out (routes.ts). The kits'
 * own suites and the Playwright specs drive them through Next and Express; this checks the routing itself.
 */
const signInApp = "http://one.alpha.test:5000";
const satellite = "http://two.beta.test:7000";
let dir: string;
let fleet: Fleet;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ironlink-fleet-routes-"));
  const env = { SESSION_PASSWORD: password, APP_ORIGINS: `${signInApp},${satellite}`, LOGIN_URL: signInApp, SESSION_STORE: "file", SESSION_FILE_PATH: dir };
  fleet = createFleet({ appName: "routes test", env });
  await fleet.markSignInUp();
});

afterAll(async () => {
  await fleet.close();
  await rm(dir, { recursive: true, force: true });
});

const get = (url: string, init?: RequestInit) => new Request(url, init);

describe("fleet.handle", () => {
  test("answers only its own paths; another method than a path's gets 405 with Allow", async () => {
    expect([healthPath, livePaths.events, livePaths.script, startPath, callbackPath].every((path) => fleet.handles(path))).toBe(true);
    expect(["/", "/api/health/x", "/api/logins"].some((path) => fleet.handles(path))).toBe(false);
    // The account API is there only for a kit that hosts it (its context says so): none here.
    expect(await fleet.handle(get(`${satellite}/api/login`), { publicUrl: satellite })).toBeUndefined();
    const post = await fleet.handle(get(`${satellite}${livePaths.script}`, { method: "POST" }));
    expect([post?.status, post?.headers.get("allow")]).toEqual([405, "GET, HEAD, OPTIONS"]);
    const script = await fleet.handle(get(`${satellite}${livePaths.script}`));
    expect(script?.status).toBe(200);
    expect(script?.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(await script?.text()).toContain("EventSource");
  });

  test("the cross-site sign-in is a satellite's only: the sign-in app's own host, or no publicUrl, passes it on", async () => {
    expect(await fleet.handle(get(`${signInApp}${startPath}?next=/`), { publicUrl: signInApp })).toBeUndefined();
    expect(await fleet.handle(get(`${satellite}${startPath}?next=/`))).toBeUndefined();
    const start = await fleet.handle(get(`${satellite}${startPath}?next=/reports`), { publicUrl: satellite });
    expect(start?.status).toBe(303);
    const login = new URL(start!.headers.get("location")!);
    expect(login.origin + login.pathname).toBe(`${signInApp}/login`);
    expect(login.searchParams.get("next")).toBe(`${satellite}/reports`);
    expect(start!.headers.getSetCookie()).toEqual([expect.stringMatching(new RegExp(`^${verifierCookieName}=[\\w-]+; Max-Age=600; Path=${callbackPath}; HttpOnly; SameSite=Lax$`))]);
    expect(start!.headers.get("referrer-policy")).toBe("no-referrer");
  });

  test("a callback without its verifier cookie clears it and refuses, a 303 to the page that says why", async () => {
    const answer = await fleet.handle(get(`${satellite}${callbackPath}?code=${"C".repeat(43)}&next=/x`), { publicUrl: satellite });
    expect(answer?.status).toBe(303);
    expect(answer!.headers.get("location")).toBe(`${callbackPath}?error=cookie-missing&next=%2Fx`);
    expect(answer!.headers.getSetCookie()).toEqual([expect.stringMatching(new RegExp(`^${verifierCookieName}=; Max-Age=0`))]);
    const page = await fleet.handle(get(`${satellite}${callbackPath}?error=cookie-missing&next=/x`), { publicUrl: satellite });
    expect(page?.status).toBe(400);
    expect(page!.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(await page!.text()).toContain(`href="${startPath}?next=%2Fx"`);
  });

  test("the live stream refuses anyone not signed in with 401 JSON, never cached", async () => {
    for (const url of [livePaths.events, `${livePaths.events}?check=1`]) {
      const answer = await fleet.handle(get(`${satellite}${url}`), { clientAddress: "203.0.113.9" });
      expect(answer?.status, url).toBe(401);
      expect(answer!.headers.get("cache-control")).toBe("no-store");
      expect(await answer!.json()).toEqual({ error: "unauthenticated", message: "Not signed in." });
    }
  });
});

describe("fleet.handle: the account API, for a kit that hosts it", () => {
  const accounts = { registration: true, afterSignOut: "/login" };
  const context = { accounts, clientAddress: "192.0.2.7" };
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fleet.handle(get(`${signInApp}${path}`, { method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json", Origin: signInApp, ...headers } }), context);
  const cookieOf = (answer: Response | undefined) => answer?.headers.getSetCookie().find((cookie) => cookie.startsWith(`${fleet.config.cookieName}=`))?.split(";")[0];

  test("registers, reads the session, signs out: the flows of fleet.accounts, as JSON", async () => {
    const registered = await post("/api/register", { username: "fleet-api-user", password: "a long enough passphrase" });
    expect(registered?.status).toBe(201);
    expect(await registered?.json()).toEqual({ user: { id: expect.any(String), username: "fleet-api-user" } });
    const cookie = cookieOf(registered)!;
    const me = await fleet.handle(get(`${signInApp}/api/session`, { headers: { cookie } }), context);
    expect([me?.status, await me?.json()]).toEqual([200, { user: { id: expect.any(String), username: "fleet-api-user" }, signedInAt: expect.any(Number) }]);
    const out = await post("/api/logout", {}, { cookie });
    expect([out?.status, out?.headers.get("clear-site-data"), await out?.json()]).toEqual([200, '"cookies"', { signedOut: true, everywhere: false }]);
    const after = await fleet.handle(get(`${signInApp}/api/session`, { headers: { cookie } }), context);
    expect(after?.status).toBe(401);
  });

  test("refuses a foreign Origin, a body that is no JSON, and a wrong method, each with its 4xx", async () => {
    const foreign = await post("/api/login", { username: "someone", password: "whatever it is" }, { Origin: "http://evil.test" });
    expect([foreign?.status, await foreign?.json()]).toEqual([403, { error: "forbidden_origin", message: expect.stringContaining("http://evil.test") }]);
    const text = await fleet.handle(get(`${signInApp}/api/login`, { method: "POST", body: "x", headers: { "Content-Type": "text/plain", Origin: signInApp } }), context);
    expect(text?.status).toBe(415);
    const wrong = await fleet.handle(get(`${signInApp}/api/login`), context);
    expect([wrong?.status, wrong?.headers.get("allow")]).toEqual([405, "OPTIONS, POST"]);
  });

  test("with two-step verification on, /api/login answers 401 second_factor_required and /api/login/code finishes the sign-in", async () => {
    const registered = await post("/api/register", { username: "fleet-api-two-step", password: "a long enough passphrase" });
    const signedIn = cookieOf(registered)!;
    const session = await fleet.sessions.getSession(webCookies(get(signInApp, { headers: { cookie: signedIn } }), new Headers()));
    const started = await fleet.accounts.twoStep.start(session, "routes test");
    if (!started.ok) throw new Error(started.message);
    const turnedOn = await fleet.accounts.twoStep.confirm(session, { code: totpCode(started.setupKey) });
    expect(turnedOn.ok).toBe(true);
    // At rest the secret is sealed (fleet/sealing.ts): the record holds no setup key, and no recovery code.
    const records = await Promise.all((await readdir(join(dir, "factors"))).map((name) => readFile(join(dir, "factors", name), "utf8")));
    expect(records.some((record) => record.includes("sealedSecret"))).toBe(true);
    const recoveryCodes = turnedOn.ok ? turnedOn.recoveryCodes : [];
    for (const secret of [started.setupKey, ...recoveryCodes]) expect(records.join("\n")).not.toContain(secret);
    const password = await post("/api/login", { username: "fleet-api-two-step", password: "a long enough passphrase" });
    expect([password!.status, ((await password!.json()) as { error: string }).error]).toEqual([401, "second_factor_required"]);
    const pending = cookieOf(password)!;
    expect((await fleet.handle(get(`${signInApp}/api/session`, { headers: { cookie: pending } }), context))?.status).toBe(401);
    const valid = [-30_000, 0, 30_000].map((offset) => totpCode(started.setupKey, Date.now() + offset));
    const wrong = await post("/api/login/code", { code: ["000000", "111111", "222222", "333333"].find((code) => !valid.includes(code)) }, { cookie: pending });
    expect([wrong!.status, ((await wrong!.json()) as { error: string }).error]).toEqual([401, "wrong_code"]);
    // The code of the next time step: the one of now was spent turning two-step on, and each is accepted once.
    const done = await post("/api/login/code", { code: totpCode(started.setupKey, Date.now() + 30_000) }, { cookie: pending });
    expect([done?.status, await done?.json()]).toEqual([200, { user: { id: expect.any(String), username: "fleet-api-two-step" } }]);
  });

  test("a sign-out form is sent on to the app's afterSignOut", async () => {
    const form = await fleet.handle(
      get(`${signInApp}/api/logout`, { method: "POST", body: "scope=everywhere", headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: signInApp } }),
      context,
    );
    expect([form?.status, form?.headers.get("location")]).toEqual([303, "/login"]);
  });
});
