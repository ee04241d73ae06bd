import { randomBytes } from "node:crypto";
import {
  test as base,
  expect,
  request as playwrightRequest,
  type APIRequestContext,
  type BrowserContext,
  type Cookie,
  type Page,
} from "@playwright/test";
import { appOne, appTwo, sessionCookieName } from "./env";

export { expect };
export { appOne, appTwo, sessionCookieName } from "./env";
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

/**
 * Every test fails if a page in one of its browser contexts got a 5xx or threw an uncaught error, even when
 * the page still looked fine: the apps must answer bad input (tampered cookies, hostile `next`) with 4xx.
 */
export const test = base.extend<Fixtures & { _serverProblems: string[] }>({
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
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(`${app}/`);
  await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
}

/** Clicks "Sign out" on `app`'s home page and waits for the login page. */
export async function signOutViaUi(page: Page, app: string): Promise<void> {
  if (page.url() !== `${app}/`) await page.goto(`${app}/`);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(`${app}/login`);
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
}

export async function expectSignedInOnPage(page: Page, app: string, username: string): Promise<void> {
  await page.goto(`${app}/`);
  await expect(page).toHaveURL(`${app}/`);
  await expect(signedInAs(page)).toHaveText(`Signed in as ${username}`);
}

/** `/` sends the visitor to the login page, which renders its form. */
export async function expectSignedOutOnPage(page: Page, app: string): Promise<void> {
  await page.goto(`${app}/`);
  await expect(page).toHaveURL(`${app}/login?next=%2F`);
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
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
  } finally {
    await client.dispose();
  }
}
