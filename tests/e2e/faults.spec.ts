import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { sessionCookieName } from "./env";
import { sessionIdOf, sessionRedisKey, storeKeyFor, userIndexKey } from "./fixtures";
import { stackTrace } from "./http";
import { backLine, ironlinkLines, logProblems, unreachableLine } from "./outage-log";
import { PrivateFleet } from "./private-fleet";

/**
 * Redis dies under load and comes back. A private fleet (its own Redis with append-only persistence, its
 * own two apps), because killing the shared Redis would break every other test running meanwhile.
 *
 * What must hold: while Redis is down, everything that needs a session answers 503 within 2 s (JSON for
 * the API, the friendly page for pages), health says so, nobody is signed out, no process dies and the
 * logs hold one line per outage rather than stack traces; once Redis is back (its AOF replayed) the apps
 * recover by themselves and the sessions made before the outage are still signed in on both apps.
 */

test.describe.configure({ mode: "serial", timeout: 120_000 });

/** The budget for any answer, in flight at the moment Redis dies or sent during the outage. */
const answerWithinMs = 2_000;
/** Once Redis is back, how long the apps may take to notice by themselves. */
const recoverWithinMs = 10_000;
const unavailableText = "Sign-in is temporarily unavailable";

type Kind = "session" | "page" | "account" | "login" | "health";

interface Sample {
  app: string;
  kind: Kind;
  startedAt: number;
  endedAt: number;
  status: number | "no answer";
  contentType: string;
  body: string;
}

type Outcome = "normal" | "unavailable" | "unavailable (rendered in flight)" | "unexpected";

let fleet: PrivateFleet;
const user = { username: `f${randomBytes(6).toString("hex")}`, password: `pw-${randomBytes(12).toString("base64url")}` };
/** The session cookie each app gave at sign-in (the user signed in on both, once each). */
const cookies = new Map<string, string>();
let origins: [string, string];
const timings: Record<string, number> = {};
/** Streams still running: a failed test leaves its own behind, and they must not outlive it. */
const running = new Set<Traffic>();

test.beforeAll(async () => {
  test.setTimeout(120_000);
  fleet = await PrivateFleet.start();
  origins = [fleet.apps[0]!.origin, fleet.apps[1]!.origin];
});

test.afterAll(async () => {
  if (Object.keys(timings).length > 0) console.log(`faults.spec timings (ms): ${JSON.stringify(timings)}`);
  await fleet?.stop();
  if (fleet) expect(fs.existsSync(fleet.dir), "temporary directory removed").toBe(false);
});

test.afterEach(async ({}, testInfo) => {
  await Promise.all([...running].map((traffic) => traffic.stop()));
  if (!fleet) return;
  if (testInfo.status !== testInfo.expectedStatus) {
    for (const app of fleet.apps) await testInfo.attach(`${app.process.name}.log`, { body: app.process.output, contentType: "text/plain" });
    for (const [i, redis] of fleet.redisRuns.entries()) await testInfo.attach(`redis-${i + 1}.log`, { body: redis.output, contentType: "text/plain" });
  }
  if (Object.keys(timings).length > 0) testInfo.annotations.push({ type: "timings (ms)", description: JSON.stringify(timings) });
});

test("a user signs in on both apps of the private fleet", async () => {
  const register = await post(origins[0], "/api/register", user);
  expect(register.status, await register.clone().text()).toBe(201);
  cookies.set(origins[0], sessionCookieOf(register));
  const login = await post(origins[1], "/api/login", user);
  expect(login.status, await login.clone().text()).toBe(200);
  cookies.set(origins[1], sessionCookieOf(login));
  expect(cookies.get(origins[0])).not.toBe(cookies.get(origins[1]));

  for (const cookie of cookies.values()) {
    for (const origin of origins) await expectSignedIn(origin, cookie);
  }
  // The sign-ins are on disk (AOF, fsync every second) before anything is killed: both sessions and the
  // user's index are written to the append-only files that Redis replays when it restarts.
  expect(fs.existsSync(path.join(fleet.dir, "appendonlydir"))).toBe(true);
  const keys = [...(await Promise.all([...cookies.values()].map(sessionKeyOf))), userIndexKey(user.username)];
  await expect.poll(() => keys.filter((key) => !appendOnlyFiles().includes(key)), { timeout: 5_000 }).toEqual([]);
});

test("Redis killed under load: 503 within 2 s, friendly pages, health down, no crash, one log line", async () => {
  const traffic = new Traffic(origins, cookies);
  traffic.start();
  await sleep(2_000);
  // Five times the rate around the kill, so that requests of every kind are mid-way through Redis commands
  // when it dies.
  const burst = new Traffic(origins, cookies, 20, Traffic.burst);
  burst.start();
  await sleep(300);

  const killedAt = Date.now();
  await fleet.killRedis();
  // Time to 503: how soon a request that needs the session gets its answer, on each app.
  const firstUnavailable = await Promise.all(origins.map((origin) => timeUntil(origin, 503, killedAt)));
  firstUnavailable.forEach((ms, i) => {
    timings[`503 after kill, app ${i + 1}`] = ms;
  });
  await sleep(300);
  const burstSamples = await burst.stop();
  await sleep(2_500);
  const samples = [...(await traffic.stop()), ...burstSamples].sort((a, b) => a.startedAt - b.startedAt);

  // Before the kill: all normal. Across it and after it: an answer within 2 s, and never a 500.
  const before = samples.filter((s) => s.endedAt < killedAt);
  expect(before.length).toBeGreaterThan(20);
  expect(problems(before, (s) => classify(s) === "normal")).toEqual([]);
  expect(problems(samples, (s) => s.endedAt - s.startedAt < answerWithinMs), "every answer within 2 s").toEqual([]);
  expect(problems(samples, (s) => classify(s) !== "unexpected"), "no unexpected answers").toEqual([]);

  // Everything sent after the kill needs Redis: unavailable. Pages already rendering when the app learnt
  // of it show the same friendly message (a page cannot choose its status). Once the proxy answered a page
  // with 503, the app knows, and every later request is a 503 until Redis is back.
  const after = samples.filter((s) => s.startedAt >= killedAt);
  expect(after.length).toBeGreaterThan(30);
  expect(problems(after, (s) => classify(s) !== "normal"), "nothing served normally without Redis").toEqual([]);
  const knownDownAt = new Map<string, number>();
  for (const origin of origins) {
    const first = after.find((s) => s.app === origin && s.status === 503 && (s.kind === "page" || s.kind === "account"));
    expect(first, `${origin}: a page answered 503 by the proxy`).toBeDefined();
    knownDownAt.set(origin, first!.endedAt);
    timings[`proxy 503 after kill, app ${origins.indexOf(origin) + 1}`] = first!.endedAt - killedAt;
  }
  const settled = after.filter((s) => s.startedAt > knownDownAt.get(s.app)!);
  expect(problems(settled, (s) => classify(s) === "unavailable"), "503 once the app knows").toEqual([]);
  for (const kind of Traffic.steady) {
    expect(settled.filter((s) => s.kind === kind).length, `${kind} requests during the outage`).toBeGreaterThan(0);
  }
  timings["slowest answer during the outage"] = Math.max(...after.map((s) => s.endedAt - s.startedAt));

  // Each route, explicitly, on both apps: 503 with the right body, Retry-After, and the cookie kept.
  for (const origin of origins) {
    const cookie = cookies.get(origin)!;
    const checks: [string, () => Promise<Response>, "json" | "html"][] = [
      ["GET /api/session", () => get(origin, "/api/session", cookie), "json"],
      ["POST /api/login", () => post(origin, "/api/login", user), "json"],
      ["POST /api/register", () => post(origin, "/api/register", { username: `n${randomBytes(6).toString("hex")}`, password: user.password }), "json"],
      ["POST /api/logout", () => post(origin, "/api/logout", {}, cookie), "json"],
      ["GET /", () => get(origin, "/", cookie), "html"],
      ["GET /account", () => get(origin, "/account", cookie), "html"],
      ["GET /login", () => get(origin, "/login"), "html"],
      ["GET / signed out", () => get(origin, "/"), "html"],
    ];
    for (const [name, send, type] of checks) {
      const started = Date.now();
      const response = await send();
      const body = await response.text();
      expect(Date.now() - started, `${origin} ${name} time`).toBeLessThan(answerWithinMs);
      expect(response.status, `${origin} ${name}: ${body.slice(0, 200)}`).toBe(503);
      expect(response.headers.get("retry-after"), `${origin} ${name}`).toBe("5");
      // The proxy's own answer carries the security headers too (security-headers.spec.ts checks their values).
      expect(response.headers.get("x-frame-options"), `${origin} ${name}`).toBe("DENY");
      expect(response.headers.get("content-security-policy"), `${origin} ${name}`).toContain("frame-ancestors 'none'");
      // An outage signs nobody out.
      expect(response.headers.getSetCookie(), `${origin} ${name}`).toEqual([]);
      if (type === "json") {
        expect(response.headers.get("content-type")).toContain("application/json");
        expect(JSON.parse(body)).toMatchObject({ error: "unavailable" });
      } else {
        expect(response.headers.get("content-type")).toContain("text/html");
        expect(body).toContain(`<h1>${unavailableText}</h1>`);
      }
      expect(body, `${origin} ${name}`).not.toMatch(stackTrace);
    }
    const started = Date.now();
    const health = await get(origin, "/api/health");
    expect(Date.now() - started).toBeLessThan(answerWithinMs);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: "unavailable", redis: "down" });
  }

  for (const app of fleet.apps) {
    expect(app.process.exit, `${app.process.name} still running`).toBeUndefined();
    expect(logProblems(app.process.output), `${app.process.name} log`).toEqual([]);
    expect(ironlinkLines(app.process.output), `${app.process.name} log`).toEqual([unreachableLine(fleet.redisUrl)]);
  }
});

test("Redis restarted: the apps recover by themselves and the sessions survive on both apps", async () => {
  const traffic = new Traffic(origins, cookies);
  traffic.start();
  await sleep(500);

  const restartedAt = Date.now();
  await fleet.startRedis();
  timings["Redis restart (AOF replayed)"] = Date.now() - restartedAt;
  const recovered = await Promise.all(origins.map((origin) => timeUntil(origin, 200, restartedAt, recoverWithinMs)));
  recovered.forEach((ms, i) => {
    timings[`200 after restart, app ${i + 1}`] = ms;
    expect(ms, `app ${i + 1} recovered`).toBeLessThan(recoverWithinMs);
  });
  await sleep(1_500);
  const samples = await traffic.stop();

  expect(problems(samples, (s) => s.endedAt - s.startedAt < answerWithinMs), "every answer within 2 s").toEqual([]);
  expect(problems(samples, (s) => classify(s) !== "unexpected"), "no unexpected answers").toEqual([]);
  // Once an app served its first session again, nothing falls back to 503.
  const backAt = Object.fromEntries(origins.map((origin, i) => [origin, restartedAt + recovered[i]!]));
  const afterRecovery = samples.filter((s) => s.startedAt > backAt[s.app]!);
  expect(afterRecovery.length).toBeGreaterThan(10);
  expect(problems(afterRecovery, (s) => classify(s) === "normal"), "normal after recovery").toEqual([]);

  // The sessions from before the outage came back from the AOF, valid on both apps, for the same user.
  for (const cookie of cookies.values()) {
    for (const origin of origins) await expectSignedIn(origin, cookie);
  }
  for (const origin of origins) {
    const page = await get(origin, "/", cookies.get(origin));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`Signed in as <strong>${user.username}</strong>`);
    const health = await get(origin, "/api/health");
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", redis: "ok" });
  }
  // And so did the account: the password still signs in.
  expect((await post(origins[1], "/api/login", user)).status).toBe(200);

  for (const app of fleet.apps) {
    expect(app.process.exit, `${app.process.name} still running`).toBeUndefined();
    expect(logProblems(app.process.output), `${app.process.name} log`).toEqual([]);
    expect(ironlinkLines(app.process.output), `${app.process.name} log`).toEqual([unreachableLine(fleet.redisUrl), backLine(fleet.redisUrl)]);
  }
});

// ---------------------------------------------------------------------------------------------------------

/**
 * A steady stream to both apps, 10 requests a second each: the session API, the home and account pages
 * with the app's cookie, health, and a sign-in with an unknown name (401; one a second, as scrypt is costly).
 */
class Traffic {
  readonly #samples: Sample[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #tick = 0;

  constructor(
    readonly origins: readonly string[],
    readonly cookies: ReadonlyMap<string, string>,
    readonly intervalMs = 100,
    readonly cycle: readonly Kind[] = Traffic.steady,
  ) {}

  static readonly steady: readonly Kind[] = ["session", "page", "health", "session", "account", "login", "session", "page", "health", "session"];
  /** Around the kill: what reads Redis several times per request, so that some are caught half-way. */
  static readonly burst: readonly Kind[] = ["account", "session", "page", "account", "login"];

  start(): void {
    running.add(this);
    this.#timer = setInterval(() => {
      const kind = this.cycle[this.#tick++ % this.cycle.length]!;
      for (const origin of this.origins) this.#send(origin, kind);
    }, this.intervalMs);
  }

  async stop(): Promise<Sample[]> {
    clearInterval(this.#timer);
    running.delete(this);
    await Promise.all(this.#inFlight);
    return this.#samples.sort((a, b) => a.startedAt - b.startedAt);
  }

  #send(origin: string, kind: Kind): void {
    const cookie = this.cookies.get(origin);
    const startedAt = Date.now();
    const request =
      kind === "session"
        ? get(origin, "/api/session", cookie)
        : kind === "page" || kind === "account"
          ? get(origin, kind === "page" ? "/" : "/account", cookie)
          : kind === "health"
            ? get(origin, "/api/health")
            : post(origin, "/api/login", { username: `nobody${randomBytes(6).toString("hex")}`, password: "not-the-password" });
    const done = request
      .then(async (response) => ({ status: response.status, contentType: response.headers.get("content-type") ?? "", body: await response.text() }))
      .catch((error: unknown) => ({ status: "no answer" as const, contentType: "", body: String(error) }))
      .then((answer) => {
        this.#samples.push({ app: origin, kind, startedAt, endedAt: Date.now(), ...answer });
      });
    this.#inFlight.add(done);
    void done.finally(() => this.#inFlight.delete(done));
  }
}

function classify(sample: Sample): Outcome {
  const { kind, status, body, contentType } = sample;
  const json = contentType.includes("application/json") ? safeJson(body) : undefined;
  if (status === 503) {
    if (body.match(stackTrace)) return "unexpected";
    if (kind === "page" || kind === "account") return contentType.includes("text/html") && body.includes(`<h1>${unavailableText}</h1>`) ? "unavailable" : "unexpected";
    if (kind === "health") return json?.redis === "down" ? "unavailable" : "unexpected";
    return json?.error === "unavailable" ? "unavailable" : "unexpected";
  }
  if (kind === "session") return status === 200 && json?.user?.username === user.username ? "normal" : "unexpected";
  if (kind === "login") return status === 401 && json?.error === "invalid_credentials" ? "normal" : "unexpected";
  if (kind === "health") return status === 200 && json?.redis === "ok" ? "normal" : "unexpected";
  if (status !== 200) return "unexpected";
  const signedIn = body.includes(`Signed in as <strong>${user.username}</strong>`);
  if (signedIn && (kind === "page" || body.includes("Your sessions"))) return "normal";
  return body.includes(unavailableText) ? "unavailable (rendered in flight)" : "unexpected";
}

/** The samples that fail `ok`, described (empty when all pass). */
function problems(samples: Sample[], ok: (sample: Sample) => boolean): string[] {
  const t0 = samples[0]?.startedAt ?? 0;
  return samples
    .filter((sample) => !ok(sample))
    .map((s) => `+${s.startedAt - t0} ms ${s.app} ${s.kind}: ${s.status} in ${s.endedAt - s.startedAt} ms (${classify(s)}) ${s.body.slice(0, 120)}`);
}

/** Milliseconds from `since` until GET /api/session with the app's cookie answers `status` (polled every 25 ms). */
async function timeUntil(origin: string, status: number, since: number, limitMs = 5_000): Promise<number> {
  for (;;) {
    const response = await get(origin, "/api/session", cookies.get(origin)).catch(() => undefined);
    await response?.body?.cancel();
    if (response?.status === status) return Date.now() - since;
    if (Date.now() - since > limitMs) return Number.POSITIVE_INFINITY;
    await sleep(25);
  }
}

async function expectSignedIn(origin: string, cookie: string): Promise<void> {
  const response = await get(origin, "/api/session", cookie);
  expect(response.status, `${origin}/api/session`).toBe(200);
  expect(await response.json()).toMatchObject({ user: { username: user.username } });
}

/** The Redis key of the session a `name=value` cookie holds. */
async function sessionKeyOf(cookie: string): Promise<string> {
  return sessionRedisKey(storeKeyFor(await sessionIdOf(decodeURIComponent(cookie.slice(cookie.indexOf("=") + 1)))));
}

/** Redis's append-only files (the commands since its last rewrite), as text. */
function appendOnlyFiles(): string {
  const dir = path.join(fleet.dir, "appendonlydir");
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith(".aof"))
    .map((name) => fs.readFileSync(path.join(dir, name), "latin1"))
    .join("\n");
}

function sessionCookieOf(response: Response): string {
  const cookie = response.headers.getSetCookie().find((value) => value.startsWith(`${sessionCookieName}=`));
  expect(cookie, "session Set-Cookie").toBeDefined();
  return cookie!.split(";")[0]!;
}

function get(origin: string, pathname: string, cookie?: string): Promise<Response> {
  return fetch(`${origin}${pathname}`, { headers: cookie ? { cookie } : {}, redirect: "manual", signal: AbortSignal.timeout(10_000) });
}

function post(origin: string, pathname: string, body: unknown, cookie?: string): Promise<Response> {
  return fetch(`${origin}${pathname}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
    redirect: "manual",
    signal: AbortSignal.timeout(10_000),
  });
}

function safeJson(text: string): { user?: { username?: string }; error?: string; redis?: string } | undefined {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
