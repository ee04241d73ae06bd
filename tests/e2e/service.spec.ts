import { service } from "./env";
import {
  appOne,
  appTwo,
  expect,
  expectApiSession,
  expectSignedOutOnPage,
  fillCredentials,
  registerViaApi,
  signedInAs,
  test,
  type TestUser,
  uniqueUser,
} from "./fixtures";
import type { Page } from "@playwright/test";

/**
 * The fleet's Express app (apps/service, on @ironlink/express) in the browser: it shares the sign-in of the
 * Next.js apps, sends anonymous visitors to app one's sign-in page, and its sign-out ends the session everywhere.
 */

const serviceHome = `${service}/`;
const signInPageForService = `${appOne}/login?next=${encodeURIComponent(serviceHome)}`;

/** Registers the user and signs the browser in through app one's API (the browser context's cookies). */
async function signedInUser(page: Page): Promise<TestUser> {
  const user = uniqueUser();
  await registerViaApi(user);
  const response = await page.request.post(`${appOne}/api/login`, { data: user });
  expect(response.status(), await response.text()).toBe(200);
  return user;
}

test.describe("the Express service", () => {
  test("someone signed in on app one is signed in on the service", async ({ page }) => {
    const user = await signedInUser(page);
    await page.goto(serviceHome);
    await expect(page).toHaveURL(serviceHome);
    await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
    const me = await page.request.get(`${service}/api/me`);
    expect(await me.json()).toMatchObject({ user: { username: user.username } });
  });

  test("Sign out on the service signs out of app one and app two too", async ({ page }) => {
    await signedInUser(page);
    await page.goto(serviceHome);
    await page.getByRole("button", { name: "Sign out" }).click();
    // 303 to the service's / , which sends the now anonymous visitor on to sign in.
    await expect(page).toHaveURL(signInPageForService);

    await expectSignedOutOnPage(page, appOne);
    await expectSignedOutOnPage(page, appTwo);
    for (const app of [appOne, appTwo]) await expectApiSession(page.request, app, null);
    expect((await page.request.get(`${service}/api/me`)).status()).toBe(401);
  });

  test("an anonymous visit lands on app one's sign-in page with the service as next", async ({ page }) => {
    await page.goto(serviceHome);
    await expect(page).toHaveURL(signInPageForService);
    expect(new URL(page.url()).searchParams.get("next")).toBe(serviceHome);
    await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
  });

  // The sign-in page accepts an absolute `next` only on an exact APP_ORIGINS origin: the service is one.
  test("signing in from there brings the browser back to the service, signed in", async ({ page }) => {
    const user = uniqueUser();
    await registerViaApi(user);
    await page.goto(serviceHome);
    await expect(page).toHaveURL(signInPageForService);
    await fillCredentials(page, user);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page).toHaveURL(serviceHome);
    await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
  });

  test("a cross-origin POST /logout gets 403 and signs nobody out", async ({ page }) => {
    const user = await signedInUser(page);
    const response = await page.request.post(`${service}/logout`, { headers: { Origin: "http://evil.test" }, maxRedirects: 0 });
    expect(response.status()).toBe(403);
    expect(await response.json()).toMatchObject({ error: "forbidden_origin" });

    await page.goto(serviceHome);
    await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
    await expectApiSession(page.request, appOne, user.username);
  });

  test("its answers carry the security headers, and no x-powered-by", async ({ page }) => {
    const user = await signedInUser(page);
    const response = await page.goto(serviceHome);
    const headers = response?.headers() ?? {};
    expect(headers["content-security-policy"]).toContain("default-src 'none'");
    expect(headers["x-frame-options"]).toBe("DENY");
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
    expect(headers["x-powered-by"]).toBeUndefined();
    // The page's one stylesheet loads under that policy.
    await expect(page.getByRole("button", { name: "Sign out" })).toHaveCSS("color", "rgb(255, 255, 255)");
    await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
  });
});
