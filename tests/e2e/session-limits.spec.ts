import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gotoLive, recordNotices, signedOutText } from "./live";
import { expect, sessionCookieName, signInViaUi, test, type TestUser, uniqueUser } from "./fixtures";
import { send } from "./http";
import { PrivateFleet } from "./private-fleet";

/**
 * Issue 22, weaknesses 2 and 3, against a real app: a cap on live sessions per user (SESSION_MAX_PER_USER,
 * the oldest ended and announced), and no session signed in with the old password surviving a password
 * change that races it (the sign-in guard, docs/security.md).
 *
 * Fleets of their own (app one on Redis, and on the file store for the race): dozens of sign-ins for one
 * account would trip the shared fleet's rate limits (raised here, so every sign-in below is checked) and
 * fill its hashing queue under other specs' sign-ins.
 */
const maxPerUser = 40;
const fleetEnv = {
  SESSION_MAX_PER_USER: String(maxPerUser),
  RATE_LIMIT_PER_USERNAME_AND_ADDRESS: "1000",
  RATE_LIMIT_PER_USERNAME: "1000",
  RATE_LIMIT_PER_ADDRESS: "1000",
  RATE_LIMIT_SIGN_INS_PER_USERNAME_AND_ADDRESS: "1000",
  RATE_LIMIT_SIGN_INS_PER_USERNAME: "1000",
};

/** Starts app one for the describe block it is called in; resolves its origin once started. */
function usePrivateFleet(store: "redis" | "file"): () => string {
  let fleet: PrivateFleet | undefined;
  let dir: string | undefined;
  test.beforeAll(async () => {
    test.setTimeout(120_000);
    dir = store === "file" ? fs.mkdtempSync(path.join(os.tmpdir(), "ironlink-e2e-limits-")) : undefined;
    const storeEnv: Record<string, string> = dir ? { SESSION_STORE: "file", SESSION_FILE_PATH: dir } : {};
    fleet = await PrivateFleet.start({ apps: ["one"], env: { ...fleetEnv, ...storeEnv } });
  });
  test.afterAll(async () => {
    await fleet?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  return () => fleet!.apps[0]!.origin;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface SignInAnswer {
  status: number;
  error: string | undefined;
  /** The session cookie's last value in the answer ("" when it was cleared), if one was set. */
  cookie: string | undefined;
  /** Date.now() when the answer arrived. */
  at: number;
}

/** POST /api/login, again after each 503 (a full hashing queue) until another answer. */
async function signInOverApi(origin: string, user: TestUser, path = "/api/login"): Promise<SignInAnswer> {
  for (let tries = 0; ; tries++) {
    const answer = await send(`${origin}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(user) });
    if (answer.status === 503 && tries < 30) {
      await sleep(300);
      continue;
    }
    const cookies = answer.headers.getSetCookie().filter((line) => line.startsWith(`${sessionCookieName}=`));
    const cookie = cookies.at(-1)?.split(";")[0]?.slice(sessionCookieName.length + 1);
    const error = answer.status === 200 || answer.status === 201 ? undefined : (JSON.parse(answer.body) as { error?: string }).error;
    return { status: answer.status, error, cookie, at: Date.now() };
  }
}

/** Whether the session cookie is signed in: GET /api/session answers 200 (401 once its session ended). */
async function isSignedIn(origin: string, cookie: string): Promise<boolean> {
  const answer = await send(`${origin}/api/session`, { headers: { cookie: `${sessionCookieName}=${cookie}` } });
  expect([200, 401], answer.body).toContain(answer.status);
  return answer.status === 200;
}

/** The race, on the fleet at `fleetOrigin()`. */
const raceTest = (fleetOrigin: () => string) =>
  test("no session signed in with the old password survives a password change that races it", async ({ page }) => {
    const origin = fleetOrigin();
    test.setTimeout(180_000);
    const user = uniqueUser();
    expect((await signInOverApi(origin, user, "/api/register")).status).toBe(201);
    await signInViaUi(page, origin, user);
    await page.goto(`${origin}/account`);
    await page.getByLabel("Current password").fill(user.password);
    await page.getByLabel("New password").fill(uniqueUser().password);

    // Sign-ins with the (old) password, four at a time: at least 18, and on until the change is answered, so
    // some are always in flight while it happens (the hashing queue is first come, first served). At most
    // 36, well under the cap, which must not end the changer's own session.
    const answers: SignInAnswer[] = [];
    let started = 0;
    let changedAt: number | undefined;
    const signInLoop = async () => {
      while ((started < 18 || changedAt === undefined) && started < 36) {
        started++;
        answers.push(await signInOverApi(origin, user));
      }
    };
    const loops = Promise.all(Array.from({ length: 4 }, signInLoop));
    while (answers.length < 3) await sleep(20);
    await page.getByRole("button", { name: "Change password" }).click();
    await expect(page.locator(".form-success")).toHaveText("Password changed. Your other sessions were signed out.", { timeout: 60_000 });
    changedAt = Date.now();
    await loops;

    // Every sign-in that checked the old password: answered 200, or refused because the change raced it.
    const signedIn = answers.filter((answer) => answer.status === 200);
    const refusedMeanwhile = answers.filter((answer) => answer.error === "signed_out_meanwhile");
    for (const answer of answers) expect([200, 401], JSON.stringify(answer)).toContain(answer.status);
    const survivors: SignInAnswer[] = [];
    for (const answer of signedIn) if (answer.cookie && (await isSignedIn(origin, answer.cookie))) survivors.push(answer);
    // Sign-ins that raced the change: refused for it, or (without the guard) signed in after it was answered.
    const racing = refusedMeanwhile.length + signedIn.filter((answer) => answer.at >= (changedAt as number)).length;
    const figures = `${survivors.length} of ${signedIn.length} sessions signed in with the old password survived the change; ${refusedMeanwhile.length} sign-ins refused as raced; ${racing} raced it`;
    test.info().annotations.push({ type: "password change race", description: figures });
    console.log(`password change race: ${figures}`);
    expect(survivors, `sessions of the old password still signed in (of ${signedIn.length})`).toEqual([]);
    // The race did happen: some sign-in checked the old password while the change was under way.
    expect(racing, figures).toBeGreaterThan(0);
    // The changer's own session goes on.
    const account = await page.request.get(`${origin}/api/session`);
    expect(account.status()).toBe(200);
  });

test.describe("on Redis", () => {
  const fleetOrigin = usePrivateFleet("redis");
  raceTest(fleetOrigin);

  test(`a user holds at most SESSION_MAX_PER_USER (${maxPerUser}) sessions: a sign-in beyond ends the oldest, whose open tab signs out`, async ({ page }) => {
    test.setTimeout(180_000);
    const origin = fleetOrigin();
    const user = uniqueUser();
    const registered = await signInOverApi(origin, user, "/api/register"); // the oldest session
    expect(registered.status).toBe(201);
    const notices = await recordNotices(page.context());
    await signInViaUi(page, origin, user); // the second oldest, with a tab open
    await gotoLive(page, `${origin}/`);

    const newer: string[] = [];
    for (let i = 0; i < maxPerUser - 2; i++) {
      const answer = await signInOverApi(origin, user);
      expect(answer.status, JSON.stringify(answer)).toBe(200);
      newer.push(answer.cookie!);
    }
    // At the cap: nobody ended yet.
    expect(await isSignedIn(origin, registered.cookie!)).toBe(true);
    expect((await page.request.get(`${origin}/api/session`)).status()).toBe(200);

    // One more: the oldest (the registration's) ends. Another: the browser's ends, and its tab hears it.
    const beyond = await signInOverApi(origin, user);
    expect(beyond.status).toBe(200);
    expect(await isSignedIn(origin, registered.cookie!)).toBe(false);
    expect((await page.request.get(`${origin}/api/session`)).status()).toBe(200);
    const last = await signInOverApi(origin, user);
    expect(last.status).toBe(200);
    await expect(page).toHaveURL(/\/login(\?|$)/, { timeout: 10_000 });
    expect((notices.get(page) ?? []).map((notice) => notice.text)).toContain(signedOutText);
    expect((await page.request.get(`${origin}/api/session`)).status()).toBe(401);

    // The newest SESSION_MAX_PER_USER are all still signed in.
    for (const cookie of [...newer, beyond.cookie!, last.cookie!]) expect(await isSignedIn(origin, cookie)).toBe(true);
  });
});

test.describe("on the file store", () => {
  raceTest(usePrivateFleet("file"));
});
