import { request as playwrightRequest } from "@playwright/test";
import {
  appOne,
  appTwo,
  apps,
  expect,
  expectApiSession,
  expectSignedInOnPage,
  expectSignedOutOnPage,
  registerViaApi,
  registerViaUi,
  sessionCookie,
  sessionCookieName,
  signInViaUi,
  signOutViaUi,
  test,
  uniqueUser,
} from "./fixtures";

/** The value with one base64url character near the middle changed (never a separator, never the last of a part). */
function tamper(value: string): string {
  for (let i = Math.floor(value.length / 2); i < value.length - 1; i++) {
    if (/[A-Za-z0-9]/.test(value[i]!) && /[A-Za-z0-9_-]/.test(value[i + 1]!)) {
      return value.slice(0, i) + (value[i] === "A" ? "B" : "A") + value.slice(i + 1);
    }
  }
  throw new Error("no character to tamper with");
}

test.describe("session cookie", () => {
  test("is HttpOnly, SameSite=Lax, host-only and holds a seal, not session data", async ({ page, context }) => {
    const user = uniqueUser();
    await registerViaUi(page, appOne, user);

    const cookie = await sessionCookie(context);
    expect(cookie).toBeDefined();
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", secure: true, domain: "127.0.0.1", path: "/" });
    expect(cookie!.value.startsWith("Fe26.2*")).toBe(true);
    expect(cookie!.value.toLowerCase()).not.toContain(user.username);
    // A persistent cookie that outlives the browser session and ends with the 12-hour absolute timeout
    // (SESSION_TTL defaults to it; the cookie gives up a minute early, like iron-session's).
    const hours = (cookie!.expires - Date.now() / 1000) / 3600;
    expect(hours).toBeGreaterThan(11.9);
    expect(hours).toBeLessThanOrEqual(12);
    // Out of reach of page scripts.
    expect(await page.evaluate(() => document.cookie)).not.toContain(sessionCookieName);
  });

  test("a tampered cookie is anonymous on both apps, without server errors", async ({ page, context }) => {
    const user = uniqueUser();
    await registerViaUi(page, appOne, user);
    const original = (await sessionCookie(context))!;
    const tampered = tamper(original.value);
    expect(tampered).not.toBe(original.value);
    expect(tampered).toHaveLength(original.value.length);

    await context.addCookies([{ ...original, value: tampered }]);
    expect((await sessionCookie(context))!.value).toBe(tampered);

    for (const app of apps) {
      await expectSignedOutOnPage(page, app);
      await expectApiSession(page.request, app, null);
    }
    // Garbage instead of a seal is just as anonymous.
    await context.addCookies([{ ...original, value: "Fe26.2*1*garbage" }]);
    for (const app of apps) {
      await expectSignedOutOnPage(page, app);
      await expectApiSession(page.request, app, null);
    }

    // The untouched cookie still works: it was the tampering that signed the browser out.
    await context.addCookies([original]);
    for (const app of apps) await expectSignedInOnPage(page, app, user.username);
    // (The fixture fails the test on any 5xx seen by the browser.)
  });

  test("every sign-in gets a new session id; the old cookie is worthless", async ({ page, context, newContext }) => {
    const user = uniqueUser();
    await registerViaUi(page, appOne, user);
    const cookieA = (await sessionCookie(context))!;

    await signOutViaUi(page, appOne);
    expect(await sessionCookie(context)).toBeUndefined();

    await signInViaUi(page, appTwo, user);
    const cookieB = (await sessionCookie(context))!;
    expect(cookieB.value).not.toBe(cookieA.value);

    // Replaying A in another browser gets nowhere, on either app.
    const replay = await newContext();
    await replay.addCookies([cookieA]);
    const replayPage = await replay.newPage();
    for (const app of apps) {
      await expectSignedOutOnPage(replayPage, app);
      await expectApiSession(replayPage.request, app, null);
    }
    // B is the live session.
    for (const app of apps) await expectApiSession(page.request, app, user.username);
  });

  test("a cookie planted before sign-in is replaced and dies at sign-in", async ({ page, context, newContext }) => {
    const attackerUser = uniqueUser();
    const victim = uniqueUser();
    await registerViaApi(victim);

    // An attacker signs in to their own account and plants that valid session cookie in the victim's browser...
    const attacker = await newContext();
    const attackerPage = await attacker.newPage();
    await registerViaUi(attackerPage, appOne, attackerUser);
    const planted = (await sessionCookie(attacker))!;
    await context.addCookies([planted]);
    await expectApiSession(page.request, appOne, attackerUser.username);

    // ...then the victim signs in (the API accepts a sign-in over an existing session; the form redirects
    // a signed-in visitor away). The planted id must not survive it.
    const response = await page.request.post(`${appTwo}/api/login`, { data: victim });
    expect(response.status()).toBe(200);
    const fresh = (await sessionCookie(context))!;
    expect(fresh.value).not.toBe(planted.value);
    for (const app of apps) await expectApiSession(page.request, app, victim.username);
    await expectSignedInOnPage(page, appOne, victim.username);

    // The planted session was dropped from Redis: the attacker's browser is signed out everywhere.
    for (const app of apps) {
      await expectSignedOutOnPage(attackerPage, app);
      await expectApiSession(attackerPage.request, app, null);
    }
  });

  test("is named __Host- under HTTPS-grade settings: Secure, host-only, Path=/, so no other subdomain can plant one", async ({ request }) => {
    const response = await request.post(`${appOne}/api/register`, { data: uniqueUser() });
    expect(response.status()).toBe(201);
    const cookie = response.headersArray().find((header) => header.name.toLowerCase() === "set-cookie" && header.value.startsWith("__Host-"));
    expect(cookie?.value).toMatch(/^__Host-ironlink_session=Fe26\.2\*/);
    expect(cookie?.value).toContain("; Secure");
    expect(cookie?.value).toContain("; Path=/;");
    expect(cookie?.value).not.toMatch(/Domain=/i);
  });

  test("two live cookies of the session's name: neither wins, the request is anonymous; a junk one beside a live one is ignored", async ({ request }) => {
    const victim = uniqueUser();
    const attacker = uniqueUser();
    const cookieOf = async (user: typeof victim) => {
      const client = await playwrightRequest.newContext();
      try {
        expect((await client.post(`${appOne}/api/register`, { data: user })).status()).toBe(201);
        return (await client.storageState()).cookies.find((cookie) => cookie.name === sessionCookieName)!.value;
      } finally {
        await client.dispose();
      }
    };
    const [victimCookie, attackerCookie] = await Promise.all([cookieOf(victim), cookieOf(attacker)]);
    const withCookies = (...values: string[]) => ({ cookie: values.map((value) => `${sessionCookieName}=${value}`).join("; ") });
    for (const app of apps) {
      // Next keeps the last of two same-named cookies: before, the planted (last) one signed the victim in as the attacker.
      for (const order of [[victimCookie, attackerCookie], [attackerCookie, victimCookie]]) {
        const answer = await request.get(`${app}/api/session`, { headers: withCookies(...order) });
        expect(answer.status(), `${app} with two live cookies`).toBe(401);
        const page = await request.get(`${app}/account`, { headers: withCookies(...order), maxRedirects: 0 });
        expect(await page.text()).not.toContain(attacker.username);
      }
      const junkBeside = await request.get(`${app}/api/session`, { headers: withCookies(victimCookie, "Fe26.2*junk") });
      expect(junkBeside.status()).toBe(200);
      expect(await junkBeside.json()).toMatchObject({ user: { username: victim.username } });
    }
  });

  test("the cookie alone, sent by any client, is the whole session", async ({ page, context }) => {
    // Sanity check for the replay tests above: a *live* cookie copied elsewhere does work, so their
    // 401s come from the server forgetting the session, not from the copying.
    const user = uniqueUser();
    await registerViaUi(page, appOne, user);
    const cookie = (await sessionCookie(context))!;
    const client = await playwrightRequest.newContext({
      extraHTTPHeaders: { cookie: `${cookie.name}=${cookie.value}` },
    });
    try {
      for (const app of [appOne, appTwo]) await expectApiSession(client, app, user.username);
    } finally {
      await client.dispose();
    }
  });
});
