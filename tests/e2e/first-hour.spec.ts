import { appOne, appTwo, expect, fillCredentials, formMessage, registerViaApi, sessionItems, signInViaUi, signedInAs, test, uniqueUser } from "./fixtures";
import { outsideApps, service } from "./env";

/**
 * What a new user tripped on in their first hour (issue 23, section 5), each where they met it.
 */

// The fleet lists 127.0.0.1 only: the same app opened as localhost is another origin.
const asLocalhost = (app: string) => app.replace("127.0.0.1", "localhost");

test.describe("a refused origin says which origin and which APP_ORIGINS", () => {
  test("signing in on localhost while APP_ORIGINS lists 127.0.0.1 (server action)", async ({ page }) => {
    const user = uniqueUser();
    await registerViaApi(user);
    await page.goto(`${asLocalhost(appOne)}/login`);
    await fillCredentials(page, user);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    const message = formMessage(page);
    await expect(message).toContainText(`${asLocalhost(appOne)}, which is not in APP_ORIGINS`);
    await expect(message).toContainText(appOne);
  });

  test("the API (route handlers) and the Express kit name both in their JSON", async ({ request }) => {
    const origin = asLocalhost(appOne);
    for (const url of [`${appOne}/api/login`, `${service}/logout`]) {
      const response = await request.post(url, { data: {}, headers: { origin } });
      expect(response.status(), url).toBe(403);
      const { error, message } = (await response.json()) as { error: string; message: string };
      expect(error).toBe("forbidden_origin");
      expect(message, url).toContain(`${origin}, which is not in APP_ORIGINS (`);
      expect(message, url).toContain(appOne);
    }
  });

  test("the Express kit's page escapes the Origin it quotes and cuts a long one", async ({ request }) => {
    const origin = `http://evil.test/<img src=x onerror=alert(1)>${"a".repeat(500)}`;
    const response = await request.post(`${service}/logout`, { headers: { origin, accept: "text/html" } });
    expect(response.status()).toBe(403);
    const html = await response.text();
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(html).not.toContain("a".repeat(101));
  });
});

test.describe("the sign-in page and /account name the app the person came from", () => {
  test("coming from the Express service: 'You will go back to Service' (the name it recorded), and /account says the session started there", async ({ page }) => {
    const user = uniqueUser();
    await registerViaApi(user);
    await page.goto(`${service}/`);
    await expect(page).toHaveURL(new RegExp(`^${appOne}/login\\?next=`));
    await expect(page.locator(".form-returns-to")).toHaveText("You will go back to Service afterwards.");
    await fillCredentials(page, user);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page).toHaveURL(`${service}/`);

    await page.goto(`${appOne}/account`);
    await expect(sessionItems(page)).toHaveCount(1);
    await expect(sessionItems(page).first()).toContainText("on Service");
    await expect(sessionItems(page).first()).not.toContainText("on Ironlink One");
  });

  test("for app two, its name (Ironlink Two); for an app of APP_ORIGINS that recorded none, its host", async ({ page }) => {
    const user = uniqueUser();
    await registerViaApi(user);
    const unnamed = outsideApps.next; // listed in APP_ORIGINS, not started by this project
    await page.goto(`${appOne}/login?next=${encodeURIComponent(`${unnamed}/reports`)}`);
    await expect(page.locator(".form-returns-to")).toHaveText(`You will go back to ${new URL(unnamed).host} afterwards.`);

    await page.goto(`${appOne}/login?next=${encodeURIComponent(`${appTwo}/`)}`);
    await expect(page.locator(".form-returns-to")).toHaveText("You will go back to Ironlink Two afterwards.");
    await fillCredentials(page, user);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page).toHaveURL(`${appTwo}/`);
    await page.goto(`${appOne}/account`);
    await expect(sessionItems(page).first()).toContainText("on Ironlink Two");
  });

  test("signing in for this app itself says nothing about going back, and the session is this app's", async ({ page }) => {
    const user = uniqueUser();
    await registerViaApi(user);
    await page.goto(`${appOne}/login?next=${encodeURIComponent(`${appOne}/account`)}`);
    await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
    await expect(page.locator(".form-returns-to")).toHaveCount(0);
    await signInViaUi(page, appOne, user);
    await expect(signedInAs(page)).toBeVisible();
    await page.goto(`${appOne}/account`);
    await expect(sessionItems(page).first()).toContainText("on Ironlink One");
  });
});
