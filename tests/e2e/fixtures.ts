import { createHash, randomBytes } from "node:crypto";
import {
  test as base,
  expect,
  request as playwrightRequest,
  type APIRequestContext,
  type BrowserContext,
  type Cookie,
  type Page,
} from "@playwright/test";
import { sealData, unsealData } from "iron-session";
import { Redis } from "ioredis";
import { appOne, appTwo, redisUrl, sessionCookieName, sessionKeyPrefix, sessionPasswords } from "./env";

export { expect };
export { appOne, appTwo, newSessionPassword, oldSessionPassword, sessionCookieName, sessionPasswords } from "./env";
export const apps = [appOne, appTwo] as const;

export interface TestUser {
  username: string;
  password: string;
}

/** A user nobody else has: tests never share accounts, so they can run in any order and in parallel. */
export function uniqueUser(): TestUser {
  return {
    username: `u${Date.now().toString(36)}${randomBytes(4).toString("hex")}`,
    password: `pw-${randomBytes(12).toString("base64url")}`,
  };
}

interface Fixtures {
  /** Opens another browser context (another browser profile, no cookies), watched like the default one. */
  newContext: () => Promise<BrowserContext>;
}

interface WorkerFixtures {
  /** A client of the test fleet's Redis, to read and rewrite what the apps stored. One per worker. */
  redis: Redis;
}

/**
 * Every test fails if a page in one of its browser contexts got a 5xx or threw an uncaught error, even when
 * the page still looked fine: the apps must answer bad input (tampered cookies, hostile `next`) with 4xx.
 */
export const test = base.extend<Fixtures & { _serverProblems: string[] }, WorkerFixtures>({
  redis: [
    async ({}, use) => {
      const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
      await use(client);
      await client.quit();
    },
    { scope: "worker" },
  ],
  _serverProblems: async ({}, use) => {
    const problems: string[] = [];
    await use(problems);
    expect(problems, "5xx responses or uncaught page errors").toEqual([]);
  },
  context: async ({ context, _serverProblems }, use) => {
    watch(context, _serverProblems);
    await use(context);
  },
  newContext: async ({ browser, _serverProblems }, use) => {
    const opened: BrowserContext[] = [];
    await use(async () => {
      const context = await browser.newContext();
      watch(context, _serverProblems);
      opened.push(context);
      return context;
    });
    await Promise.all(opened.map((context) => context.close()));
  },
});

function watch(context: BrowserContext, problems: string[]): void {
  context.on("response", (response) => {
    if (response.status() >= 500) problems.push(`${response.status()} ${response.request().method()} ${response.url()}`);
  });
  context.on("weberror", (error) => problems.push(`page error: ${error.error().message}`));
}

export const signedInAs = (page: Page) => page.locator(".signed-in-as");
export const formMessage = (page: Page) => page.locator(".form-message");
/** Why the visitor is on /login: shown when the browser's session ended (timed out, revoked elsewhere). */
export const formNotice = (page: Page) => page.locator(".form-notice");
export const expiredMessage = "Your session expired, please sign in again.";
/** The items of "Your sessions" on /account. */
export const sessionItems = (page: Page) => page.locator('ul[aria-label="Active sessions"] > li.session-item');

export async function fillCredentials(page: Page, user: TestUser): Promise<void> {
  await page.getByLabel("Username").fill(user.username);
  await page.getByLabel("Password").fill(user.password);
}

/** Registers through /register on `app` and waits for the protected home page. */
export async function registerViaUi(page: Page, app: string, user: TestUser): Promise<void> {
  await page.goto(`${app}/register`);
  await fillCredentials(page, user);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(`${app}/`);
  await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
}

/** Signs in through /login on `app` and waits for the protected home page. */
export async function signInViaUi(page: Page, app: string, user: TestUser): Promise<void> {
  await page.goto(`${app}/login`);
  await fillCredentials(page, user);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(`${app}/`);
  await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
}

/** Clicks "Sign out" on `app`'s home page and waits for the login page. */
export async function signOutViaUi(page: Page, app: string): Promise<void> {
  if (page.url() !== `${app}/`) await page.goto(`${app}/`);
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL(`${app}/login`);
  await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
  // Signed out on purpose, and the cookie went with it: no "session expired" notice.
  await expect(formNotice(page)).toHaveCount(0);
}

export async function expectSignedInOnPage(page: Page, app: string, username: string): Promise<void> {
  await page.goto(`${app}/`);
  await expect(page).toHaveURL(`${app}/`);
  await expect(signedInAs(page)).toHaveText(`Signed in as ${username}`);
}

/** `/` sends the visitor to the login page, which says the session expired: it ended while the cookie was kept. */
export async function expectExpiredOnPage(page: Page, app: string): Promise<void> {
  await gotoPastLiveSignOut(page, `${app}/`);
  await expect(page).toHaveURL(`${app}/login?next=%2F`);
  await expect(formNotice(page)).toHaveText(expiredMessage);
  await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
  await expect(signedInAs(page)).toHaveCount(0);
}

/** `/` sends the visitor to the login page, which renders its form. */
export async function expectSignedOutOnPage(page: Page, app: string): Promise<void> {
  await gotoPastLiveSignOut(page, `${app}/`);
  await expect(page).toHaveURL(`${app}/login?next=%2F`);
  await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
  await expect(signedInAs(page)).toHaveCount(0);
}

/** GET /api/session with whatever cookies `request` holds (use `page.request` for the browser's). */
export async function expectApiSession(request: APIRequestContext, app: string, username: string | null): Promise<void> {
  const response = await request.get(`${app}/api/session`);
  if (username === null) {
    expect(response.status(), `${app}/api/session`).toBe(401);
    expect(await response.json()).toMatchObject({ error: "unauthenticated" });
  } else {
    expect(response.status(), `${app}/api/session`).toBe(200);
    expect(await response.json()).toMatchObject({ user: { username } });
  }
}

export async function sessionCookie(context: BrowserContext): Promise<Cookie | undefined> {
  return (await context.cookies(appOne)).find((cookie) => cookie.name === sessionCookieName);
}

/** Creates the account through the API, outside any browser, so a test starts from "registered, signed out". */
export async function registerViaApi(user: TestUser, app: string = appOne): Promise<void> {
  const client = await playwrightRequest.newContext();
  try {
    const response = await client.post(`${app}/api/register`, { data: user });
    expect(response.status(), await response.text()).toBe(201);
    // Registering signs in: end that session, or it would be one more on the user's /account.
    expect((await client.post(`${app}/api/logout`)).status()).toBe(200);
  } finally {
    await client.dispose();
  }
}

/** The cookie as the apps set it: host-only on 127.0.0.1 (shared by both apps), HttpOnly, Secure, Lax. */
export function sessionCookieFor(value: string): Cookie {
  return { name: sessionCookieName, value, domain: "127.0.0.1", path: "/", expires: -1, httpOnly: true, secure: true, sameSite: "Lax" };
}

// What the apps keep, in the documented format: tests check it with iron-session itself, not the apps' code.

/** What the Redis value of a session opens to (iron-session's `unsealData` with the fleet's passwords). */
export interface StoredSession {
  key: string;
  data: { user?: { id: string; username: string }; signedInAt?: number; signedInOn?: string; userAgent?: string };
  createdAt: number;
  touchedAt: number;
}

/** The store key of a session id: SHA-256, base64url (so a dump of Redis cannot be replayed as cookies). */
export const storeKeyFor = (sessionId: string) => createHash("sha256").update(sessionId).digest("base64url");
export const sessionRedisKey = (storeKey: string) => `${sessionKeyPrefix}${storeKey}`;
export const userIndexKey = (userId: string) => `${sessionKeyPrefix}user:${userId}`;
/** A fresh session id as the apps make them: 32 random bytes, base64url (43 characters). */
export const newSessionId = () => randomBytes(32).toString("base64url");
/** The id of the password a Fe26.2 seal was made with (its second `*` field). */
export const sealPasswordId = (seal: string) => seal.split("*")[1];

/** Seals like iron-session does, with the fleet's rotation map unless told otherwise. */
export const seal = (data: unknown, password: Record<string, string> = sessionPasswords) => sealData(data, { password });

/** Opens a seal with the fleet's passwords; `{}` when it does not open (that is iron-session's answer). */
export const unseal = <T>(value: string) => unsealData<T>(value, { password: sessionPasswords });

/** The session id a session cookie holds: the cookie seals `{ sid }` and nothing else. */
export async function sessionIdOf(cookieValue: string): Promise<string> {
  const payload = await unseal<Record<string, unknown>>(cookieValue);
  expect(Object.keys(payload), "the cookie seals { sid } only").toEqual(["sid"]);
  expect(payload.sid).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return payload.sid as string;
}

/** The Redis key of the session a browser context holds. */
export async function redisKeyOf(context: BrowserContext): Promise<string> {
  const cookie = await sessionCookie(context);
  expect(cookie, "session cookie").toBeDefined();
  return sessionRedisKey(storeKeyFor(await sessionIdOf(cookie!.value)));
}

/** The stored session at `key`, opened; fails the test if there is none. */
export async function readStoredSession(redis: Redis, key: string): Promise<StoredSession> {
  const raw = await redis.get(key);
  expect(raw, `Redis ${key}`).not.toBeNull();
  const value = await unseal<StoredSession>(raw!);
  expect(value).toMatchObject({ key: key.slice(sessionKeyPrefix.length), createdAt: expect.any(Number), touchedAt: expect.any(Number) });
  return value;
}

/**
 * Fails the test if the browser ever asks for evil.example or runs a `javascript:` URL. Requests to
 * evil.example are aborted (there is no such site), and recorded.
 */
export async function guardAgainstOffsite(context: BrowserContext, page: Page): Promise<{ offsite: string[]; dialogs: string[] }> {
  const offsite: string[] = [];
  const dialogs: string[] = [];
  await context.route(
    (url) => url.hostname.endsWith("evil.example"),
    (route) => {
      offsite.push(route.request().url());
      return route.abort();
    },
  );
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return { offsite, dialogs };
}

/**
 * page.goto for a tab that may be showing a signed-in page while its session ends: the page's live sign-out
 * reloads it by itself, or Next's redirect from a streamed render moves it on, either of which can cut the
 * test's own navigation short (ERR_ABORTED, or "interrupted by another navigation"). Then the test's goes again.
 */
export async function gotoPastLiveSignOut(page: Page, url: string): Promise<void> {
  try {
    await page.goto(url);
  } catch (error) {
    if (!/ERR_ABORTED|interrupted by another navigation/.test(String(error))) throw error;
    await page.waitForLoadState("load");
    await page.goto(url);
  }
}
