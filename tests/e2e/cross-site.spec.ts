import type { BrowserContext, Page, Response as PageResponse } from "@playwright/test";
import {
  CrossSiteFleet,
  cookieHeader,
  handoffCookieName,
  loopback,
  plainSessionCookieName,
  registerAccount,
  sessionStatus,
  storeEntriesContaining,
  type AppName,
} from "./cross-site-fleet";
import {
  attackersHandoff,
  callbackPath,
  checkServersAfterTest,
  clickSignOut,
  countNavigations,
  expect,
  guardFleetHosts,
  interceptCallback,
  pauseRequests,
  place,
  plantVerifier,
  record,
  redirectChain,
  startPath,
  test,
} from "./cross-site-test";
import { gotoLive, liveDeadlineMs, recordNotices, signedOutText, whenAnswered } from "./live";
import { fillCredentials, registerViaUi, sessionIdOf, signedInAs, signInViaUi, type TestUser, uniqueUser } from "./fixtures";

/**
 * Apps on different sites (docs/cross-site.md): app one on one.alpha.test hosts the sign-in page (LOGIN_URL),
 * app two on two.beta.test and the Express service on svc.gamma.test are satellites its cookie cannot reach.
 * A satellite sends an anonymous visitor through its own /api/ironlink/start (a verifier cookie of its own)
 * to the sign-in page, which sends the browser back to the satellite's /api/ironlink/callback with a one-time
 * code; the callback redeems it through the shared store and sets the satellite's cookie for the same session.
 *
 * The fleet is private (its own Redis, its own three apps on free ports), the names are Chromium's own
 * (`--host-resolver-rules`, the "cross-site" project), and the servers only ever listen on 127.0.0.1.
 *
 * Not here: an expired code. A code lives at most 60 s, too long to wait for in the browser; its expiry is
 * unit-tested in packages/session (a clock the test moves).
 */

/** A refused code: on to the callback's page without it (one redirect, no Referer), which answers 400 (409 for another user). */
function expectRefused(response: PageResponse | null, page: Page, reason: "invalid" | "cookie-missing" | "other-user"): void {
  expect(response?.status()).toBe(reason === "other-user" ? 409 : 400);
  expect(response?.headers()["referrer-policy"]).toBe("no-referrer");
  const chain = redirectChain(response);
  expect(chain.slice(-2).map((request) => new URL(request.url()).searchParams.has("code"))).toEqual([true, false]);
  expect(new URL(page.url()).searchParams.get("error")).toBe(reason);
  expect(page.url()).not.toContain("code=");
}

test.describe.configure({ timeout: 120_000 });

let fleet: CrossSiteFleet;
let hosts: Record<AppName, string>;

test.beforeAll(async () => {
  test.setTimeout(240_000);
  fleet = await CrossSiteFleet.start("sites");
  hosts = { one: fleet.apps.one.host, two: fleet.apps.two.host, service: fleet.apps.service.host };
});

test.afterAll(async () => {
  await fleet?.stop();
});

test.afterEach(({}, testInfo) => checkServersAfterTest(fleet, testInfo));

const base64url = /^[A-Za-z0-9_-]+$/;

/** A registered account, signed in on app one through its form in this browser. */
async function signedInOnAppOne(page: Page): Promise<TestUser> {
  const user = uniqueUser();
  await registerViaUi(page, fleet.one, user);
  return user;
}

/** The sign-in page of app one, as a satellite's start route sends a browser there. */
function expectSignInPageFor(page: Page, satelliteUrl: string): void {
  const url = new URL(page.url());
  expect(url.origin).toBe(fleet.one);
  expect(url.pathname).toBe("/login");
  expect(url.searchParams.get("next")).toBe(satelliteUrl);
  expect(url.searchParams.get("challenge")).toMatch(base64url);
}

async function submitSignIn(page: Page, user: TestUser): Promise<void> {
  await fillCredentials(page, user);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** Waits for the page to be on `url`'s origin and path, and returns to checking. */
async function expectOn(page: Page, url: string): Promise<void> {
  await expect(page).toHaveURL((current) => place(current.href) === place(url));
}

async function expectSignedInThere(context: BrowserContext, app: AppName, username: string): Promise<void> {
  const answer = await sessionStatus(context, fleet, app);
  expect(answer.status, `${app}: ${answer.body}`).toBe(200);
  expect(JSON.parse(answer.body)).toMatchObject({ user: { username } });
}

async function expectAnonymousThere(context: BrowserContext, app: AppName): Promise<void> {
  const answer = await sessionStatus(context, fleet, app);
  expect(answer.status, `${app}: ${answer.body}`).toBe(401);
}

test.describe("apps on different sites", () => {
  test("signing in once on app one signs the browser in on app two and the service, with no second password prompt", async ({ page, context }) => {
    const user = uniqueUser();
    await registerAccount(fleet, user);
    const traffic = record(context);
    await signInViaUi(page, fleet.one, user);
    const passwordPosts = () => traffic.requests.filter((request) => request.method() === "POST").length;
    const postsAfterSignIn = passwordPosts();

    // App two: through its start route, app one's sign-in page (signed in already) and its callback.
    const response = await page.goto(`${fleet.two}/`);
    await expect(page).toHaveURL(`${fleet.two}/`);
    await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
    const chain = redirectChain(response);
    expect(chain.map((request) => place(request.url()))).toEqual([
      `${fleet.two}/`,
      `${fleet.two}${startPath}`,
      `${fleet.one}/login`,
      `${fleet.two}${callbackPath}`,
      `${fleet.two}/`,
    ]);
    const [, start, signIn, callback] = chain as [unknown, (typeof chain)[number], (typeof chain)[number], (typeof chain)[number]];
    expect(new URL(start.url()).searchParams.get("next")).toBe("/");
    expect(new URL(signIn.url()).searchParams.get("next")).toBe(`${fleet.two}/`);
    expect(new URL(signIn.url()).searchParams.get("challenge")).toMatch(base64url);
    // The code: at least 128 bits, URL-safe; the callback answers no-referrer and lands on a URL without it.
    const code = new URL(callback.url()).searchParams.get("code");
    expect(code).toMatch(base64url);
    expect(code!.length).toBeGreaterThanOrEqual(22);
    expect(new URL(callback.url()).searchParams.get("next")).toBe("/");
    const callbackResponse = await callback.response();
    expect(callbackResponse?.status()).toBe(303);
    expect(callbackResponse?.headers()["referrer-policy"]).toBe("no-referrer");
    expect(page.url()).not.toContain("code=");
    for (const request of chain) expect(request.method()).toBe("GET");

    // Its own cookie, host-only, for the same session as app one's.
    const cookieOf = async (origin: string) => (await context.cookies(origin)).find((cookie) => cookie.name === plainSessionCookieName);
    const one = await cookieOf(fleet.one);
    const two = await cookieOf(fleet.two);
    expect(one, "app one's cookie").toBeDefined();
    expect(two, "app two's cookie").toMatchObject({ domain: hosts.two, httpOnly: true, sameSite: "Lax" });
    expect(await sessionIdOf(two!.value)).toBe(await sessionIdOf(one!.value));

    // The service, the same way.
    await page.goto(`${fleet.service}/`);
    await expect(page).toHaveURL(`${fleet.service}/`);
    await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
    expect(passwordPosts(), "no form posted after the sign-in on app one").toBe(postsAfterSignIn);
    for (const app of ["one", "two", "service"] as const) await expectSignedInThere(context, app, user.username);
  });

  test("an anonymous visitor of a satellite signs in on app one and lands on the page first asked for", async ({ page, context }) => {
    const user = uniqueUser();
    await registerAccount(fleet, user);
    await page.goto(`${fleet.two}/account`);
    await expectOn(page, `${fleet.one}/login`);
    expectSignInPageFor(page, `${fleet.two}/account`);
    await submitSignIn(page, user);
    await expect(page).toHaveURL(`${fleet.two}/account`);
    expect(page.url()).not.toContain("code=");

    await page.goto(`${fleet.two}/`);
    await expect(page).toHaveURL(`${fleet.two}/`);
    await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
    // Signed in on the sign-in app too, so the service needs no form either.
    await page.goto(`${fleet.service}/`);
    await expect(page).toHaveURL(`${fleet.service}/`);
    await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
    for (const app of ["one", "two", "service"] as const) await expectSignedInThere(context, app, user.username);
  });

  test("an anonymous visitor of the service signs in on app one and is back on the service", async ({ page }) => {
    const user = uniqueUser();
    await registerAccount(fleet, user);
    await page.goto(`${fleet.service}/`);
    await expectOn(page, `${fleet.one}/login`);
    expectSignInPageFor(page, `${fleet.service}/`);
    await submitSignIn(page, user);
    await expect(page).toHaveURL(`${fleet.service}/`);
    await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
  });

  for (const app of ["two", "service"] as const) {
    test(`${app}'s start route sets a host-only verifier cookie and sends the browser to LOGIN_URL with a challenge`, async () => {
      const origin = fleet.apps[app].origin;
      const answer = await loopback(`${origin}${startPath}?next=%2F`, { headers: { Accept: "text/html" } });
      expect(answer.status, answer.body).toBe(303);
      const line = answer.setCookies.find((cookie) => cookie.startsWith(`${handoffCookieName}=`));
      expect(line, answer.setCookies.join("\n")).toBeDefined();
      const attributes = line!.split(";").map((part) => part.trim().toLowerCase());
      expect(attributes).toContain("httponly");
      expect(attributes).toContain("samesite=lax");
      expect(attributes.some((part) => part.startsWith("domain="))).toBe(false);
      // Short-lived: minutes, not a session's hours.
      const maxAge = attributes.find((part) => part.startsWith("max-age="));
      const expires = attributes.find((part) => part.startsWith("expires="));
      expect(maxAge ?? expires, "a lifetime").toBeDefined();
      if (maxAge) expect(Number(maxAge.slice("max-age=".length))).toBeLessThanOrEqual(900);
      else expect(Date.parse(expires!.slice("expires=".length)) - Date.now()).toBeLessThanOrEqual(900_000);

      const location = new URL(answer.location!, origin);
      expect(location.origin).toBe(fleet.one);
      expect(location.pathname).toBe("/login");
      expect(location.searchParams.get("next")).toBe(`${origin}/`);
      const challenge = location.searchParams.get("challenge");
      expect(challenge).toMatch(base64url);
      expect(challenge!.length).toBeGreaterThanOrEqual(22);
      // Like PKCE: the sign-in app sees the challenge, never the verifier the browser keeps.
      const verifier = line!.split(";")[0]!.slice(handoffCookieName.length + 1);
      expect(verifier.length).toBeGreaterThan(0);
      expect(answer.location).not.toContain(verifier);
    });
  }

  for (const app of ["two", "service"] as const) {
    test(`Cancel on the sign-in page brings the visitor back to ${app}, anonymous, on a page that says so`, async ({ page, context }) => {
      const origin = fleet.apps[app].origin;
      await page.goto(`${origin}/`);
      await expectOn(page, `${fleet.one}/login`);
      const cancel = page.getByRole("link", { name: "Cancel" });
      const href = new URL((await cancel.getAttribute("href"))!, page.url());
      expect(place(href.href)).toBe(`${origin}${callbackPath}`);
      expect(href.searchParams.get("error")).toBe("cancelled");
      expect(href.searchParams.get("next")).toBe("/");
      expect(href.searchParams.has("code")).toBe(false);

      const navigations = countNavigations(page);
      const answered = page.waitForResponse((response) => place(response.url()) === `${origin}${callbackPath}`);
      await cancel.click();
      const response = await answered;
      expect(response.status()).toBe(200);
      await expect(page.locator("body")).toContainText(/cancel/i);
      await page.waitForTimeout(1_000);
      expect(place(page.url()), "no redirect after the cancelled page").toBe(`${origin}${callbackPath}`);
      expect(navigations).toHaveLength(1);
      await expectAnonymousThere(context, app);
    });
  }

  test("a replayed code is refused: a 400 page, no session", async ({ page, newContext }) => {
    await signedInOnAppOne(page);
    // Keep the callback URL and the verifier cookie the browser sends with it, and let it through once.
    const callback = await interceptCallback(page, fleet.two, { letThrough: true });
    await page.goto(`${fleet.two}/`);
    const first = await callback.captured();
    await expect(page).toHaveURL(`${fleet.two}/`);
    await expect(signedInAs(page)).toBeVisible();
    expect(first.cookies.some((cookie) => cookie.name === handoffCookieName)).toBe(true);

    // The same URL, with the same verifier cookie, from a browser without a session on app two.
    const replay = await newContext();
    await replay.addCookies(first.cookies.filter((cookie) => cookie.name === handoffCookieName));
    const tab = await replay.newPage();
    const navigations = countNavigations(tab);
    const response = await tab.goto(first.url);
    expectRefused(response, tab, "invalid");
    await tab.waitForTimeout(500);
    expect(navigations).toHaveLength(2);
    await expectAnonymousThere(replay, "two");
  });

  test("a code issued for app two is refused at the service's callback", async ({ page, context }) => {
    await signedInOnAppOne(page);
    const twoCallback = await interceptCallback(page, fleet.two);
    await page.goto(`${fleet.two}/`).catch(() => {});
    const { code } = await twoCallback.captured();
    // The service's own verifier is in place (its start route ran): only the code's origin is wrong.
    const serviceCallback = await interceptCallback(page, fleet.service);
    await page.goto(`${fleet.service}/`).catch(() => {});
    await serviceCallback.captured();
    expect((await context.cookies(`${fleet.service}${callbackPath}`)).some((cookie) => cookie.name === handoffCookieName)).toBe(true);

    const response = await page.goto(`${fleet.service}${callbackPath}?code=${encodeURIComponent(code)}&next=%2F`);
    expectRefused(response, page, "invalid");
    await expectAnonymousThere(context, "service");
    expect((await context.cookies(fleet.service)).some((cookie) => cookie.name === plainSessionCookieName)).toBe(false);
  });

  test("a code redeemed without the verifier cookie is refused, and the page says the browser kept no cookie", async ({ page, context }) => {
    await signedInOnAppOne(page);
    const intercepted = await interceptCallback(page, fleet.two);
    await page.goto(`${fleet.two}/`).catch(() => {});
    const { code, url } = await intercepted.captured();
    // While it waits, the store holds the code only hashed: neither a key nor a value contains it.
    expect(code.length).toBeGreaterThanOrEqual(22);
    expect(await storeEntriesContaining(fleet.redisUrl, code)).toEqual([]);

    await context.clearCookies({ domain: hosts.two });
    const navigations = countNavigations(page);
    const response = await page.goto(url);
    expectRefused(response, page, "cookie-missing");
    await expect(page.locator("body")).toContainText(/cookie/i);
    await page.waitForTimeout(500);
    expect(navigations).toHaveLength(2);
    await expectAnonymousThere(context, "two");
  });

  test("a browser that refuses the satellite's cookies gets a page saying cookies are needed, not a loop", async ({ page, context }) => {
    await signedInOnAppOne(page);
    // The start route's answer as a browser blocking app two's cookies sees it: without its Set-Cookie.
    let stripped = 0;
    const pause = await pauseRequests(
      page,
      (url) => url.origin === fleet.two && url.pathname === startPath,
      async (request) => {
        const answer = await loopback(request.url.href, { headers: { Accept: "text/html", Cookie: await cookieHeader(context, request.url.href) } });
        stripped += answer.setCookies.length;
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(answer.headers)) {
          if (value === undefined || ["set-cookie", "connection", "transfer-encoding", "content-length", "keep-alive"].includes(name)) continue;
          headers[name] = Array.isArray(value) ? value.join(", ") : value;
        }
        await request.fulfill({ status: answer.status, headers, body: answer.body });
      },
    );
    const navigations = countNavigations(page);
    const response = await page.goto(`${fleet.two}/`);
    expect(stripped, "the start route set a cookie, which the browser never got").toBeGreaterThan(0);
    expectRefused(response, page, "cookie-missing");
    await expect(page.locator("body")).toContainText(/cookie/i);
    await page.waitForTimeout(1_500);
    // app two's /, its start route, the sign-in page, the callback, the page without the code: and there it stays.
    expect(navigations.length, navigations.join("\n")).toBeLessThanOrEqual(5);
    expect(place(page.url())).toBe(`${fleet.two}${callbackPath}`);
    await pause.stop();
    await expectAnonymousThere(context, "two");
  });

  // An attacker's link to the sign-in page: `next` off the list, or looking like a fleet app. The sign-in
  // page must not leave the fleet (every .test name reaches 127.0.0.1 here, so the guard aborts them all)
  // and must issue no code, whether the visitor signs in through the form or is signed in already.
  const hostileNext: [string, () => string][] = [
    ["a look-alike host under evil.test", () => encodeURIComponent(`http://${hosts.two}.evil.test:${fleet.apps.two.port}/`)],
    ["app two's name as userinfo before evil.test", () => encodeURIComponent(`http://${hosts.two}:${fleet.apps.two.port}@evil.test/`)],
    ["//evil.test", () => "//evil.test"],
    ["%2F%2Fevil.test", () => "%2F%2Fevil.test"],
    ["/\\evil.test", () => "/\\evil.test"],
    ["http:\\\\evil.test", () => "http:\\\\evil.test"],
  ];
  for (const [label, value] of hostileNext) {
    test(`next=${label} on the sign-in page never leaves the fleet and issues no code`, async ({ page, context }) => {
      const raw = value();
      const offsite = await guardFleetHosts(context, fleet);
      const traffic = record(context);
      const user = uniqueUser();
      await registerAccount(fleet, user);
      const challenge = "A".repeat(43);
      const signInUrl = `${fleet.one}/login?next=${raw}&challenge=${challenge}`;

      const answer = await page.goto(signInUrl);
      expect(answer?.status()).toBeLessThan(500);
      // The form is there whatever `next` says, and signing in through it works: the link is refused, not the person.
      await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
      const posted = page.waitForResponse((response) => response.request().method() === "POST");
      await submitSignIn(page, user);
      await posted;
      await page.waitForLoadState("load");
      await page.waitForTimeout(500);
      await expectSignedInThere(context, "one", user.username);
      // Signed in now: the same link again, with a session on app one.
      await page.goto(signInUrl);
      await page.waitForTimeout(500);

      expect(offsite).toEqual([]);
      expect(fleet.hosts).toContain(new URL(page.url()).host);
      const withCode = traffic.requests.map((request) => request.url()).filter((url) => new URL(url).searchParams.has("code"));
      expect(withCode).toEqual([]);
    });
  }

  test("signing out on the service signs the browser out of app one and app two", async ({ page, context }) => {
    const user = await signedInOnAppOne(page);
    for (const origin of [fleet.two, fleet.service]) {
      await page.goto(`${origin}/`);
      await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
    }
    for (const app of ["one", "two", "service"] as const) await expectSignedInThere(context, app, user.username);

    const signedOut = page.waitForResponse((response) => response.request().method() === "POST" && place(response.url()) === `${fleet.service}/logout`);
    await page.getByRole("button", { name: "Sign out" }).click();
    expect((await signedOut).status()).toBe(303);
    await page.waitForLoadState("load");
    // Each app asked with its own cookie, which the browser still holds for app one and app two.
    expect((await context.cookies(fleet.two)).some((cookie) => cookie.name === plainSessionCookieName)).toBe(true);
    for (const app of ["one", "two", "service"] as const) await expectAnonymousThere(context, app);
  });

  test("signing out on app two signs the browser out of app one and the service", async ({ page, context }) => {
    const user = await signedInOnAppOne(page);
    await page.goto(`${fleet.service}/`);
    await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
    await page.goto(`${fleet.two}/`);
    await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);

    await clickSignOut(page, fleet.two);
    expect((await context.cookies(fleet.one)).some((cookie) => cookie.name === plainSessionCookieName)).toBe(true);
    for (const app of ["one", "two", "service"] as const) await expectAnonymousThere(context, app);
  });

  test("Sign out everywhere on app one's /account ends the satellites' cookies too, in every browser", async ({ page, context, newContext }) => {
    const user = await signedInOnAppOne(page);
    for (const origin of [fleet.two, fleet.service]) {
      await page.goto(`${origin}/`);
      await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
    }
    // Another browser, signed in through app two's form: another session of the same person.
    const other = await newContext();
    const tab = await other.newPage();
    await tab.goto(`${fleet.two}/`);
    await expectOn(tab, `${fleet.one}/login`);
    await submitSignIn(tab, user);
    await expect(tab).toHaveURL(`${fleet.two}/`);
    await expectSignedInThere(other, "two", user.username);

    await page.goto(`${fleet.one}/account`);
    const signedOut = page.waitForResponse((response) => response.request().method() === "POST" && new URL(response.url()).origin === fleet.one);
    await page.getByRole("button", { name: "Sign out everywhere" }).click();
    expect((await signedOut).status()).toBeLessThan(400);
    await page.waitForLoadState("load");
    for (const app of ["one", "two", "service"] as const) await expectAnonymousThere(context, app);
    for (const app of ["one", "two"] as const) await expectAnonymousThere(other, app);
  });

  test("signing out on app one takes an open tab on each satellite to the sign-in page within 2 s, without a reload", async ({ page, context }) => {
    const notices = await recordNotices(context);
    const user = await signedInOnAppOne(page);
    // Each satellite tab signed in through the handoff, and listening to its own origin's event stream.
    const satellites: [Page, string][] = [];
    for (const origin of [fleet.two, fleet.service]) {
      const tab = await context.newPage();
      await gotoLive(tab, `${origin}/`);
      await expect(tab).toHaveURL(`${origin}/`);
      await expect(signedInAs(tab)).toHaveText(`Signed in as ${user.username}`);
      satellites.push([tab, origin]);
    }
    await gotoLive(page, `${fleet.one}/`);

    const signedOut = await whenAnswered(page, fleet.one, () => page.getByRole("button", { name: "Sign out", exact: true }).click());
    expect(signedOut.status).toBeLessThan(400);
    await Promise.all(
      satellites.map(async ([tab, origin]) => {
        // Reloaded by its own script: through its start route to app one's sign-in page (no session there now).
        await expect(tab, `the tab on ${origin}`).toHaveURL((url) => place(url.href) === `${fleet.one}/login`, {
          timeout: Math.max(1, signedOut.at + liveDeadlineMs - Date.now()),
        });
        test.info().annotations.push({ type: "live sign-out", description: `${origin}: on the sign-in page ${Date.now() - signedOut.at} ms after the sign-out's answer` });
        expectSignInPageFor(tab, `${origin}/`);
        await expect(tab.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
      }),
    );
    for (const [tab, origin] of satellites) {
      expect((notices.get(tab) ?? []).map((notice) => [notice.url, notice.text]), `the notice on ${origin}`).toEqual([[`${origin}/`, signedOutText]]);
      await expectAnonymousThere(context, origin === fleet.two ? "two" : "service");
    }
  });

  test("/account on app one lists the sites where the session was used", async ({ page }) => {
    const user = await signedInOnAppOne(page);
    for (const origin of [fleet.two, fleet.service]) {
      await page.goto(`${origin}/`);
      await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
    }
    await page.goto(`${fleet.one}/account`);
    await expect(page).toHaveURL(`${fleet.one}/account`);
    await expect(page.locator("main")).toContainText(hosts.two);
    await expect(page.locator("main")).toContainText(hosts.service);
  });

  test("codes never appear in any app's server output", async ({ page, context }) => {
    const traffic = record(context);
    const user = uniqueUser();
    await registerAccount(fleet, user);
    // Through the form (the sign-in app issues a code after the password) and already signed in.
    await page.goto(`${fleet.two}/`);
    await submitSignIn(page, user);
    await expect(page).toHaveURL(`${fleet.two}/`);
    await page.goto(`${fleet.service}/`);
    await expect(page).toHaveURL(`${fleet.service}/`);
    expect(traffic.codes).toHaveLength(2);
    const output = fleet.output;
    for (const code of traffic.codes) expect(output.includes(code), "a code in the servers' output").toBe(false);
  });

  // Login CSRF (docs/cross-site.md, "Why a planted cookie cannot sign you in"): an attacker who can set cookies
  // for a satellite's parent domain (a sibling subdomain, Domain=beta.test) plants the verifier of a hand-off
  // of their own account in the victim's browser and sends it to the callback with their code. Over plain
  // HTTP (this fleet) the satellite cannot tell a planted verifier that is the only one from its own (the
  // "secure" spec covers that with __Host-), but it refuses two, and never switches a signed-in browser.
  for (const app of ["two", "service"] as const) {
    test(`${app}: an attacker's verifier planted beside the victim's own, with the attacker's code, signs no one in`, async ({ page, context, newContext }) => {
      const origin = fleet.apps[app].origin;
      const attacker = await attackersHandoff(newContext, fleet, origin);
      // The victim's own hand-off under way: on the sign-in page, with the satellite's verifier in the browser.
      await page.goto(`${origin}/`);
      await expectOn(page, `${fleet.one}/login`);
      await plantVerifier(context, attacker.verifier, `.${hosts[app].split(".").slice(1).join(".")}`);
      const sent = (await context.cookies(attacker.url)).filter((cookie) => cookie.name.endsWith(handoffCookieName));
      expect(sent.map((cookie) => cookie.value)).toContain(attacker.verifier);
      expect(sent).toHaveLength(2);

      const response = await page.goto(attacker.url);
      expectRefused(response, page, "invalid");
      await expectAnonymousThere(context, app);
      // Spent: the attacker's own browser cannot redeem it either.
      expectRefused(await attacker.page.goto(attacker.url), attacker.page, "invalid");
    });

    test(`${app}: a browser signed in there keeps its account when sent to the callback with another user's code and verifier`, async ({ page, context, newContext }) => {
      const origin = fleet.apps[app].origin;
      const attacker = await attackersHandoff(newContext, fleet, origin);
      const victim = await signedInOnAppOne(page);
      await page.goto(`${origin}/`);
      await expect(page).toHaveURL(`${origin}/`);
      await expect(signedInAs(page)).toHaveText(`Signed in as ${victim.username}`);
      // The attacker's verifier is the only one the browser holds: over plain HTTP, as good as the satellite's own.
      await plantVerifier(context, attacker.verifier, `.${hosts[app].split(".").slice(1).join(".")}`);

      const response = await page.goto(attacker.url);
      expectRefused(response, page, "other-user");
      await expect(page.locator("h1")).toHaveText("You are signed in as someone else here");
      await expect(page.locator("body")).toContainText(/sign out/i);
      await expectSignedInThere(context, app, victim.username);
      await page.goto(`${origin}/`);
      await expect(signedInAs(page)).toHaveText(`Signed in as ${victim.username}`);
      // The code is spent.
      expectRefused(await attacker.page.goto(attacker.url), attacker.page, "invalid");
    });
  }

  // Last: it stops app one (and starts it again). Not on the suite's fixtures: its 503 is the point.
  test("with the sign-in app down, a satellite answers its own 503 page instead of sending the browser to a dead host", async ({ browser }) => {
    await fleet.stopApp("one");
    try {
      // The satellite learns through the store that the sign-in app is gone: give it a little while.
      let last: { status: number | undefined; url: string; text: string; requests: string[] } | undefined;
      const deadline = Date.now() + 45_000;
      do {
        const context = await browser.newContext();
        const page = await context.newPage();
        const requests: string[] = [];
        page.on("request", (request) => requests.push(request.url()));
        const response = await page.goto(`${fleet.two}/`).catch(() => null);
        last = { status: response?.status(), url: page.url(), text: response ? ((await page.locator("body").textContent()) ?? "") : "", requests };
        await context.close();
        if (last.status === 503) break;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      } while (Date.now() < deadline);
      expect(last?.status, JSON.stringify(last)).toBe(503);
      expect(new URL(last!.url).origin).toBe(fleet.two);
      expect(last!.text).toMatch(/sign-in.*unavailable/i);
      expect(last!.requests.filter((url) => new URL(url).origin === fleet.one)).toEqual([]);
    } finally {
      await fleet.startApp("one");
    }
  });
});
