import type { BrowserContext, Page } from "@playwright/test";
import { eventsPath, gotoLive, liveDeadlineMs, liveScriptPath, openLiveTab, recordNotices, type SeenNotice, signedOutText, whenAnswered } from "./live";
import { service } from "./env";
import {
  appOne,
  appTwo,
  expect,
  registerViaApi,
  sessionCookie,
  sessionCookieName,
  sessionItems,
  signedInAs,
  signInViaUi,
  test,
  type TestUser,
  uniqueUser,
} from "./fixtures";

/**
 * Live sign-out (issue 14, docs/live-signout.md): a tab left open on any app of the fleet learns that its
 * session ended (sign-out on another app, "Sign out everywhere" or a revocation from another device) and, with
 * no action by the person and no reload by the test, says "You were signed out" and lands on the sign-in page
 * within 2 s of the sign-out's answer. A tab of another session is never touched.
 *
 * Every tab below waits for its event stream to be open before the sign-out: what is measured is the push,
 * not how fast a page loads.
 */

const signInPage = /\/login(\?|$)/;

/** Registers `user` and signs this context in through app one's form. */
async function signedIn(page: Page, user: TestUser = uniqueUser()): Promise<TestUser> {
  await registerViaApi(user);
  await signInViaUi(page, appOne, user);
  return user;
}

/**
 * Every page in `pages` is on a sign-in page within the deadline of `from` (the moment the sign-out's answer
 * arrived), and showed "You were signed out" on the page it was on before that.
 */
async function expectSentToSignIn(pages: [Page, string][], notices: Map<Page, SeenNotice[]>, from: number): Promise<void> {
  await Promise.all(
    pages.map(async ([page, before]) => {
      const left = Math.max(1, from + liveDeadlineMs - Date.now());
      await expect(page, `the tab on ${before} goes to sign in`).toHaveURL(signInPage, { timeout: left });
      test.info().annotations.push({ type: "live sign-out", description: `${before}: on the sign-in page ${Date.now() - from} ms after the sign-out's answer` });
      await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
    }),
  );
  for (const [page, before] of pages) {
    const seen = notices.get(page) ?? [];
    expect(seen.map((notice) => [notice.url, notice.text]), `the notice on ${before}`).toEqual([[before, signedOutText]]);
    expect(seen[0]!.at - from, "notice shown after the sign-out's answer, before the deadline").toBeLessThan(liveDeadlineMs);
  }
}

/** The page stays where it is, signed in as `username`, with no notice, for `ms`. */
async function expectUntouched(page: Page, url: string, username: string, notices: Map<Page, SeenNotice[]>, ms = 2_500): Promise<void> {
  await page.waitForTimeout(ms);
  expect(page.url()).toBe(url);
  await expect(signedInAs(page)).toHaveText(`Signed in as ${username}`);
  await expect(page.locator(".signed-out-notice")).toHaveCount(0);
  expect(notices.get(page) ?? [], `no notice on ${url}`).toEqual([]);
}

test.describe("live sign-out: open tabs hear of their session's end", () => {
  test("signing out on app one takes the open tabs on app two and the service to sign in, without a reload", async ({ page, context }) => {
    const notices = await recordNotices(context);
    await signedIn(page);
    await gotoLive(page, `${appOne}/`);
    const two = await openLiveTab(context, `${appTwo}/`);
    const svc = await openLiveTab(context, `${service}/`);
    // Nothing reloads these two tabs from here on but their own script.
    const navigations = new Map<Page, string[]>([
      [two, []],
      [svc, []],
    ]);
    for (const [tab, seen] of navigations) tab.on("framenavigated", (frame) => frame === tab.mainFrame() && seen.push(frame.url()));

    const signedOut = await whenAnswered(page, appOne, () => page.getByRole("button", { name: "Sign out", exact: true }).click());
    expect(signedOut.status).toBeLessThan(400);
    await expectSentToSignIn(
      [
        [two, `${appTwo}/`],
        [svc, `${service}/`],
      ],
      notices,
      signedOut.at,
    );
    await expect(page).toHaveURL(`${appOne}/login`);
    // Each tab reloaded once, by itself, and landed on sign-in (app two's own; the service's through app one).
    expect(two.url()).toMatch(new RegExp(`^${appTwo}/login`));
    expect(svc.url()).toMatch(new RegExp(`^${appOne}/login`));
    // The reload may commit the tab's own page first when Next sends a redirect from inside a streamed render
    // (a client-side redirect); anything else, or a tab that never reached sign-in, fails.
    for (const [tab, before] of [
      [two, `${appTwo}/`],
      [svc, `${service}/`],
    ] as const) {
      const seen = navigations.get(tab)!;
      expect(seen.filter((url) => url !== before).every((url) => signInPage.test(url)) && signInPage.test(seen.at(-1) ?? ""), seen.join("\n")).toBe(true);
    }
  });

  test("Sign out everywhere on device 1's /account reaches device 2's open tab", async ({ page, context, newContext }) => {
    const user = await signedIn(page);
    const device2 = await newContext();
    const notices = await recordNotices(device2);
    const tab = await device2.newPage();
    await signInViaUi(tab, appTwo, user);
    await gotoLive(tab, `${appTwo}/`);

    await page.goto(`${appOne}/account`);
    await expect(sessionItems(page)).toHaveCount(2);
    const signedOut = await whenAnswered(page, appOne, () => page.getByRole("button", { name: "Sign out everywhere" }).click());
    expect(signedOut.status).toBeLessThan(400);
    await expectSentToSignIn([[tab, `${appTwo}/`]], notices, signedOut.at);
    await expect(page).toHaveURL(`${appOne}/login`);
    expect(context.pages()).toHaveLength(1);
  });

  test("revoking device 2 from device 1's /account reaches device 2's tab, and device 1's tabs stay signed in", async ({ page, context, newContext }) => {
    const user = await signedIn(page);
    const oneNotices = await recordNotices(context);
    const device2 = await newContext();
    const notices = await recordNotices(device2);
    const tab = await device2.newPage();
    await signInViaUi(tab, appTwo, user);
    await gotoLive(tab, `${appTwo}/`);
    // Device 1 keeps a tab open too: its session is not the one revoked.
    const ownTab = await openLiveTab(context, `${appTwo}/`);

    await gotoLive(page, `${appOne}/account`);
    await expect(sessionItems(page)).toHaveCount(2);
    const other = sessionItems(page).and(page.locator(':not([data-current="true"])'));
    const revoked = await whenAnswered(page, appOne, () => other.getByRole("button", { name: "End session", exact: true }).click());
    expect(revoked.status).toBeLessThan(400);
    await expectSentToSignIn([[tab, `${appTwo}/`]], notices, revoked.at);

    await expect(sessionItems(page)).toHaveCount(1);
    await expectUntouched(ownTab, `${appTwo}/`, user.username, oneNotices, 500);
    expect(page.url()).toBe(`${appOne}/account`);
    expect(oneNotices.get(page) ?? []).toEqual([]);
  });

  test("a tab of another user's session stays signed in", async ({ page, context, newContext }) => {
    const notices = await recordNotices(context);
    await signedIn(page);
    const two = await openLiveTab(context, `${appTwo}/`);

    const bystander = await newContext();
    const bystanderNotices = await recordNotices(bystander);
    const other = await bystander.newPage();
    const otherUser = await signedIn(other);
    await gotoLive(other, `${appTwo}/`);
    const otherService = await openLiveTab(bystander, `${service}/`);

    const signedOut = await whenAnswered(page, appOne, () => page.getByRole("button", { name: "Sign out", exact: true }).click());
    expect(signedOut.status).toBeLessThan(400);
    await expectSentToSignIn([[two, `${appTwo}/`]], notices, signedOut.at);
    // The same apps, the same streams' subscription, another session: nothing happens to it.
    await Promise.all([
      expectUntouched(other, `${appTwo}/`, otherUser.username, bystanderNotices),
      expectUntouched(otherService, `${service}/`, otherUser.username, bystanderNotices, 0),
    ]);
  });
});

/** The Cookie header of `context`'s session (the test sends it itself: Node's fetch has no cookie jar). */
async function cookieOf(context: BrowserContext): Promise<string> {
  const cookie = await sessionCookie(context);
  expect(cookie, "session cookie").toBeDefined();
  return `${sessionCookieName}=${cookie!.value}`;
}

/** Reads an event stream until `until` is in what arrived, the stream ends, or `ms` pass. */
async function readStream(reader: ReadableStreamDefaultReader<Uint8Array>, until: string, ms: number): Promise<{ text: string; ended: boolean; timedOut: boolean }> {
  const decoder = new TextDecoder();
  let text = "";
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void reader.cancel();
  }, ms);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text, ended: !timedOut, timedOut };
      text += decoder.decode(value, { stream: true });
      if (text.includes(until)) return { text, ended: false, timedOut };
    }
  } catch {
    return { text, ended: false, timedOut };
  } finally {
    clearTimeout(timer);
  }
}

test.describe(`GET ${eventsPath}`, () => {
  for (const [name, origin] of [
    ["app one", appOne],
    ["app two", appTwo],
    ["the service", service],
  ] as const) {
    test(`on ${name}: 401 when anonymous, an event stream when signed in that says "ended" and closes at sign-out`, async ({ page, context }) => {
      const anonymous = await fetch(`${origin}${eventsPath}`, { headers: { Accept: "text/event-stream" } });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await anonymous.json()).toMatchObject({ error: "unauthenticated" });
      expect((await fetch(`${origin}${eventsPath}?check=1`)).status).toBe(401);

      const script = await page.request.get(`${origin}${liveScriptPath}`);
      expect(script.status()).toBe(200);
      expect(script.headers()["content-type"]).toMatch(/^text\/javascript/);

      await signedIn(page);
      const cookie = await cookieOf(context);
      expect((await page.request.get(`${origin}${eventsPath}?check=1`)).status()).toBe(204);

      const stream = await fetch(`${origin}${eventsPath}`, { headers: { Accept: "text/event-stream", Cookie: cookie } });
      expect(stream.status).toBe(200);
      expect(stream.headers.get("content-type")).toMatch(/^text\/event-stream/);
      expect(stream.headers.get("cache-control")).toContain("no-store");
      const reader = stream.body!.getReader();
      const opening = await readStream(reader, ": connected", 5_000);
      expect(opening.text).toMatch(/^: connected\n\n/);

      const rest = readStream(reader, "event: ended", 10_000);
      const signedOut = await whenAnswered(page, appOne, () => page.getByRole("button", { name: "Sign out", exact: true }).click());
      expect(signedOut.status).toBeLessThan(400);
      const after = await rest;
      expect(after.text).toContain("event: ended");
      expect(Date.now() - signedOut.at).toBeLessThan(liveDeadlineMs);
      // The event carries nothing about the session: no id, no data.
      expect(after.text).not.toContain(cookie.split("=")[1]!.slice(0, 20));
      // And then the server closes the stream.
      const closed = await readStream(reader, "\u0000never", 5_000);
      expect(closed.ended, `after "ended": ${JSON.stringify(closed.text)}`).toBe(true);

      expect((await fetch(`${origin}${eventsPath}?check=1`, { headers: { Cookie: cookie } })).status).toBe(401);
      expect((await fetch(`${origin}${eventsPath}`, { headers: { Accept: "text/event-stream", Cookie: cookie } })).status).toBe(401);
    });
  }
});
