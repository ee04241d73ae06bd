import { request as playwrightRequest } from "@playwright/test";
import { appOne, appTwo, apps, expect, expectApiSession, registerViaUi, sessionCookie, test, uniqueUser } from "./fixtures";

test.describe("response headers", () => {
  test("pages and API answers with session data are never stored by caches", async ({ page }) => {
    const user = uniqueUser();
    await registerViaUi(page, appOne, user);

    for (const app of apps) {
      for (const path of ["/", "/account"]) {
        const response = await page.goto(`${app}${path}`);
        expect(response!.status()).toBe(200);
        expect(response!.headers()["cache-control"], `${app}${path}`).toContain("no-store");
      }
      const session = await page.request.get(`${app}/api/session`);
      expect(session.status()).toBe(200);
      expect(session.headers()["cache-control"]).toBe("no-store");
    }
    const anonymous = await playwrightRequest.newContext();
    try {
      const response = await anonymous.get(`${appTwo}/api/session`);
      expect(response.status()).toBe(401);
      expect(response.headers()["cache-control"]).toBe("no-store");
    } finally {
      await anonymous.dispose();
    }
  });

  test('signing out answers Clear-Site-Data: "cookies", from the form and from the API', async ({ page, context }) => {
    const user = uniqueUser();
    await registerViaUi(page, appOne, user);

    // The form: a plain POST answered with 303 → /login.
    const signOut = page.waitForResponse((response) => response.url() === `${appOne}/api/logout` && response.request().method() === "POST");
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    const response = await signOut;
    expect(response.status()).toBe(303);
    expect(await response.headerValue("location")).toBe("/login");
    expect(await response.headerValue("clear-site-data")).toBe('"cookies"');
    expect(await response.headerValue("cache-control")).toBe("no-store");
    await expect(page).toHaveURL(`${appOne}/login`);
    expect(await sessionCookie(context)).toBeUndefined();

    // The API: JSON, same header.
    const client = await playwrightRequest.newContext();
    try {
      expect((await client.post(`${appTwo}/api/login`, { data: user })).status()).toBe(200);
      const loggedOut = await client.post(`${appTwo}/api/logout`);
      expect(loggedOut.status()).toBe(200);
      expect(await loggedOut.json()).toEqual({ signedOut: true, everywhere: false });
      expect(loggedOut.headers()["clear-site-data"]).toBe('"cookies"');
      expect(loggedOut.headers()["cache-control"]).toBe("no-store");
      for (const app of apps) await expectApiSession(client, app, null);
    } finally {
      await client.dispose();
    }
  });
});
