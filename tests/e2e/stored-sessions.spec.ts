import type { Page } from "@playwright/test";
import type { Redis } from "ioredis";
import {
  appOne,
  appTwo,
  apps,
  expect,
  expectApiSession,
  expectExpiredOnPage,
  expectSignedInOnPage,
  expectSignedOutOnPage,
  newSessionId,
  oldSessionPassword,
  readStoredSession,
  redisKeyOf,
  registerViaApi,
  registerViaUi,
  seal,
  sealPasswordId,
  sessionCookie,
  sessionCookieFor,
  sessionIdOf,
  sessionItems,
  sessionRedisKey,
  signInViaUi,
  type StoredSession,
  storeKeyFor,
  test,
  uniqueUser,
  userIndexKey,
} from "./fixtures";

// The apps' defaults (the config leaves SESSION_IDLE_TIMEOUT and SESSION_ABSOLUTE_TIMEOUT empty).
const idleTimeoutMs = 1800 * 1000;
const absoluteTimeoutMs = 43_200 * 1000;
const minute = 60_000;

/**
 * Rewrites a stored session as if time had passed: opens it with iron-session, changes its timestamps,
 * re-seals it and writes it back with the expiry Redis had for it.
 */
async function backdate(redis: Redis, key: string, times: Pick<StoredSession, "createdAt" | "touchedAt">): Promise<void> {
  const stored = await readStoredSession(redis, key);
  const pttl = await redis.pttl(key);
  expect(pttl).toBeGreaterThan(0);
  expect(await redis.set(key, await seal({ ...stored, ...times }), "PX", pttl, "XX")).toBe("OK");
}

async function signedInUser(page: Page) {
  const user = uniqueUser();
  await registerViaUi(page, appOne, user);
  return user;
}

test.describe("sessions in Redis", () => {
  test("activity slides the idle window; past it, the session ends and /login says it expired", async ({ page, context, redis }) => {
    const user = await signedInUser(page);
    const key = await redisKeyOf(context);
    const storeKey = key.slice(key.lastIndexOf(":") + 1);
    const stored = await readStoredSession(redis, key);
    expect(stored.data).toMatchObject({ user: { id: user.username, username: user.username }, signedInOn: "Ironlink One" });
    expect(await redis.zscore(userIndexKey(user.username), storeKey)).not.toBeNull();

    // Last seen 29 minutes ago: still inside the window, and this visit extends it.
    const almost = Date.now() - idleTimeoutMs + minute;
    await backdate(redis, key, { createdAt: almost, touchedAt: almost });
    const visited = Date.now();
    await expectSignedInOnPage(page, appOne, user.username);
    expect((await readStoredSession(redis, key)).touchedAt).toBeGreaterThanOrEqual(visited);
    expect(await redis.pttl(key)).toBeGreaterThan(idleTimeoutMs - minute);

    // Last seen 31 minutes ago: over.
    const tooLong = Date.now() - idleTimeoutMs - minute;
    await backdate(redis, key, { createdAt: tooLong, touchedAt: tooLong });
    await expectExpiredOnPage(page, appOne);
    expect(await redis.exists(key)).toBe(0);
    expect(await redis.zscore(userIndexKey(user.username), storeKey)).toBeNull();
    for (const app of apps) await expectApiSession(page.request, app, null);
  });

  test("however active, a session ends at the absolute timeout", async ({ page, context, redis }) => {
    await signedInUser(page);
    const key = await redisKeyOf(context);
    await backdate(redis, key, { createdAt: Date.now() - absoluteTimeoutMs - minute, touchedAt: Date.now() });
    await expectExpiredOnPage(page, appTwo);
    expect(await redis.exists(key)).toBe(0);
    await expectApiSession(page.request, appOne, null);
  });

  test("sessions sealed before a password rotation stay signed in; new seals use the new password", async ({ newContext, redis }) => {
    const user = uniqueUser();
    await registerViaApi(user);
    const before = { 1: oldSessionPassword };

    // A session from the days when the fleet had only password 1: its cookie and its Redis value.
    const sid = newSessionId();
    const storeKey = storeKeyFor(sid);
    const now = Date.now();
    const ttl = 30 * minute;
    const data = {
      user: { id: user.username, username: user.username },
      signedInAt: now,
      signedInOn: "Ironlink One",
      userAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    };
    const value = await seal({ key: storeKey, data, createdAt: now, touchedAt: now }, before);
    const cookie = await seal({ sid }, before);
    expect(sealPasswordId(value)).toBe("1");
    expect(sealPasswordId(cookie)).toBe("1");
    await redis.set(sessionRedisKey(storeKey), value, "PX", ttl);
    await redis.zadd(userIndexKey(user.username), now + ttl, storeKey);
    await redis.pexpire(userIndexKey(user.username), ttl);

    const browser = await newContext();
    await browser.addCookies([sessionCookieFor(cookie)]);
    const page = await browser.newPage();
    for (const app of apps) {
      await expectSignedInOnPage(page, app, user.username);
      await expectApiSession(page.request, app, user.username);
    }
    await page.goto(`${appTwo}/account`);
    await expect(sessionItems(page)).toHaveCount(1);
    await expect(sessionItems(page)).toContainText("(this device)");
    // Nobody was signed out or handed a new cookie by the rotation.
    expect((await sessionCookie(browser))!.value).toBe(cookie);

    // A sign-in now is sealed with the highest password id, cookie and Redis value alike.
    const fresh = await newContext();
    await signInViaUi(await fresh.newPage(), appOne, user);
    const freshCookie = (await sessionCookie(fresh))!.value;
    expect(sealPasswordId(freshCookie)).toBe("2");
    expect(sealPasswordId((await redis.get(await redisKeyOf(fresh)))!)).toBe("2");
    // Both sessions live side by side.
    await page.reload();
    await expect(sessionItems(page)).toHaveCount(2);
  });

  test("a stateless iron-session cookie is moved into Redis once; replaying it later is not signed in", async ({ newContext, redis }) => {
    const user = uniqueUser();
    await registerViaApi(user);
    // What a stateless iron-session app of the same fleet put in its cookie (same name and password).
    const legacy = await seal({ user: { id: user.username, username: user.username }, signedInAt: Date.now() });

    const browser = await newContext();
    await browser.addCookies([sessionCookieFor(legacy)]);
    const page = await browser.newPage();
    const visited: string[] = [];
    page.on("request", (request) => visited.push(request.url()));

    await page.goto(`${appOne}/`);
    await expect(page).toHaveURL(`${appOne}/`);
    await expect(page.locator(".signed-in-as")).toHaveText(`Signed in as ${user.username}`);
    expect(visited).toContain(`${appOne}/api/session/migrate?next=%2F`);

    // The cookie now holds a session id, and the data lives in Redis, indexed under the user.
    const migrated = (await sessionCookie(browser))!;
    expect(migrated.value).not.toBe(legacy);
    const sid = await sessionIdOf(migrated.value);
    const stored = await readStoredSession(redis, sessionRedisKey(storeKeyFor(sid)));
    expect(stored.data).toMatchObject({ user: { id: user.username, username: user.username } });
    expect(await redis.zscore(userIndexKey(user.username), storeKeyFor(sid))).not.toBeNull();

    await expectSignedInOnPage(page, appTwo, user.username);
    for (const app of apps) await expectApiSession(page.request, app, user.username);

    // The same legacy cookie again, in another browser: accepted once means refused now, on both apps.
    const replay = await newContext();
    await replay.addCookies([sessionCookieFor(legacy)]);
    const replayPage = await replay.newPage();
    for (const app of [appTwo, appOne]) {
      await expectSignedOutOnPage(replayPage, app);
      await expectApiSession(replayPage.request, app, null);
    }
    // And the migrated session was not disturbed by the replay.
    await expectApiSession(page.request, appOne, user.username);
  });
});
