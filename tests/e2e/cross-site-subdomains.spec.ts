import type { BrowserContext } from "@playwright/test";
import { CrossSiteFleet, plainSessionCookieName, registerAccount, sessionStatus, type AppName } from "./cross-site-fleet";
import { callbackPath, clickSignOut, expect, place, record, startPath, test } from "./cross-site-test";
import { fillCredentials, signedInAs, signInViaUi, uniqueUser } from "./fixtures";

/**
 * Sibling subdomains (docs/cross-site.md, docs/adding-an-app.md): one.fleet.test, two.fleet.test and the
 * service on svc.fleet.test, with COOKIE_DOMAIN=fleet.test. One cookie reaches every app, so nothing is
 * handed over: no app is a satellite, no request goes to /api/ironlink/start or /api/ironlink/callback.
 * A private fleet on host names Chromium maps to 127.0.0.1 itself (the "cross-site" project).
 */

test.describe.configure({ timeout: 120_000 });

let fleet: CrossSiteFleet;
const everyApp = ["one", "two", "service"] as const;

test.beforeAll(async () => {
  test.setTimeout(240_000);
  fleet = await CrossSiteFleet.start("subdomains");
});

test.afterAll(async () => {
  await fleet?.stop();
});

test.afterEach(async ({}, testInfo) => {
  if (fleet && testInfo.status !== testInfo.expectedStatus) {
    for (const run of fleet.runs) await testInfo.attach(`${run.name}.log`, { body: run.output, contentType: "text/plain" });
  }
});

async function expectSessionThere(context: BrowserContext, app: AppName, username: string | null): Promise<void> {
  const answer = await sessionStatus(context, fleet, app);
  if (username === null) expect(answer.status, `${app}: ${answer.body}`).toBe(401);
  else {
    expect(answer.status, `${app}: ${answer.body}`).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ user: { username } });
  }
}

/** No request of the context went through the cross-site handoff. */
function expectNoHandoff(requests: { url(): string }[]): void {
  const handoff = requests.map((request) => request.url()).filter((url) => [startPath, callbackPath].includes(new URL(url).pathname));
  expect(handoff).toEqual([]);
}

test.describe("apps on sibling subdomains", () => {
  test("signing in on app one is seen on app two and the service directly, through one cookie for fleet.test", async ({ page, context }) => {
    const traffic = record(context);
    const user = uniqueUser();
    await registerAccount(fleet, user);
    await signInViaUi(page, fleet.one, user);
    const cookie = (await context.cookies(fleet.one)).find((candidate) => candidate.name === plainSessionCookieName);
    expect(cookie, "the session cookie").toMatchObject({ domain: ".fleet.test", httpOnly: true });

    for (const origin of [fleet.two, fleet.service]) {
      const response = await page.goto(`${origin}/`);
      // Straight there: no redirect at all.
      expect(response?.request().redirectedFrom()).toBeNull();
      await expect(page).toHaveURL(`${origin}/`);
      await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
    }
    for (const app of everyApp) await expectSessionThere(context, app, user.username);
    // The one cookie, no other: no app set a host-only one of its own.
    const names = (await context.cookies([fleet.one, fleet.two, fleet.service])).filter((candidate) => candidate.name === plainSessionCookieName);
    expect(names).toHaveLength(1);
    expectNoHandoff(traffic.requests);
  });

  test("signing out on app two signs the browser out of app one and the service", async ({ page, context }) => {
    const traffic = record(context);
    const user = uniqueUser();
    await registerAccount(fleet, user);
    await signInViaUi(page, fleet.one, user);
    await page.goto(`${fleet.two}/`);
    await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);

    await clickSignOut(page, fleet.two);
    for (const app of everyApp) await expectSessionThere(context, app, null);
    await page.goto(`${fleet.service}/`);
    await expect(signedInAs(page)).toHaveCount(0);
    expectNoHandoff(traffic.requests);
  });

  test("an anonymous visitor of the service signs in on app one's page and is back on the service with no handoff", async ({ page, context }) => {
    const traffic = record(context);
    const user = uniqueUser();
    await registerAccount(fleet, user);
    await page.goto(`${fleet.service}/`);
    await expect(page).toHaveURL((url) => place(url.href) === `${fleet.one}/login`);
    expect(new URL(page.url()).searchParams.get("next")).toBe(`${fleet.service}/`);
    await fillCredentials(page, user);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page).toHaveURL(`${fleet.service}/`);
    await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
    for (const app of everyApp) await expectSessionThere(context, app, user.username);
    expectNoHandoff(traffic.requests);
  });
});
