// Playwright's own `test`, not the suite's: the 503s this spec provokes are the point, not a failure.
import { expect, request as playwrightRequest, test } from "@playwright/test";
import { eventsPath, gotoLive, liveScriptPath, recordNotices } from "./live";
import { PrivateFleet } from "./private-fleet";
import { registerViaApi, signedInAs, signInViaUi, uniqueUser } from "./fixtures";
import { cookieOf, RawStreams } from "./live-stream-limits";

/**
 * The settings of live sign-out (docs/live-signout.md), each on a fleet of its own (app one only):
 * - IRONLINK_MAX_STREAMS=1: a second browser's tab is refused (503, issue 14: "bounded per-process connection count
 *   with a clear refusal beyond it"); it stays signed in, says nothing, and tries again with a backoff, not
 *   in a loop;
 * - IRONLINK_LIVE_SIGNOUT=false: no script on the pages, no event stream, and sign-out still holds at the
 *   next request;
 * - the per-session bound (IRONLINK_MAX_STREAMS_PER_SESSION, default 4), the per-address bound and
 *   IRONLINK_STREAM_MAX_AGE (issue 22): a fifth stream from one cookie gets 429 while another person's opens;
 *   one address past its bound gets 429; a refused tab backs off; a stream ended at its maximum age comes back
 *   by itself and still hears the sign-out.
 */

test.describe.configure({ timeout: 90_000 });

test.describe("IRONLINK_MAX_STREAMS", () => {
  let fleet: PrivateFleet;

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    fleet = await PrivateFleet.start({ env: { IRONLINK_MAX_STREAMS: "1" }, apps: ["one"] });
  });

  test.afterAll(async () => {
    await fleet?.stop();
  });

  test("a tab refused over the bound stays signed in and retries with a backoff, not in a loop", async ({ page, context, browser }) => {
    const one = fleet.apps[0]!.origin;
    const notices = await recordNotices(context);
    const user = uniqueUser();
    await registerViaApi(user, one);
    // Signed in through the API, so the tab's first page is "/" and its one stream is the bound's.
    expect((await context.request.post(`${one}/api/login`, { data: user, headers: { origin: one } })).status()).toBe(200);
    await gotoLive(page, `${one}/`);

    // Another browser: tabs of one browser share their origin's one stream, so only another one can be refused.
    const otherBrowser = await browser.newContext();
    const otherNotices = await recordNotices(otherBrowser);
    const second = await otherBrowser.newPage();
    const asked: { url: string; status: number; at: number }[] = [];
    second.on("response", (response) => {
      if (new URL(response.url()).pathname === eventsPath) asked.push({ url: response.url(), status: response.status(), at: Date.now() });
    });
    await signInViaUi(second, one, user);
    await second.goto(`${one}/`);
    await expect(signedInAs(second)).toHaveText(`Signed in as ${user.username}`);
    await expect.poll(() => asked.some((answer) => answer.status === 503)).toBe(true);
    const refusal = asked.find((answer) => answer.status === 503)!;
    const from = Date.now();
    await second.waitForTimeout(6_000);
    const inWindow = asked.filter((answer) => answer.at >= from);
    test.info().annotations.push({ type: "over the bound", description: `${inWindow.length} requests to ${eventsPath} in 6 s: ${inWindow.map((a) => a.status).join(" ")}` });
    // A backoff of a second or more between attempts: at most a handful in 6 s (without one, hundreds).
    expect(inWindow.length, inWindow.map((a) => `${a.status} ${a.url}`).join("\n")).toBeLessThanOrEqual(8);
    expect(refusal.url).toContain(eventsPath);
    await expect(signedInAs(second)).toHaveText(`Signed in as ${user.username}`);
    expect(otherNotices.get(second) ?? []).toEqual([]);
    expect(notices.get(page) ?? []).toEqual([]);
    expect(second.url()).toBe(`${one}/`);

    // The slot comes free (the first tab goes away): the refused tab gets its stream within its backoff.
    const opened = second.waitForResponse((response) => new URL(response.url()).pathname === eventsPath && response.status() === 200, { timeout: 35_000 });
    await page.close();
    await opened;
  });
});

test.describe("IRONLINK_LIVE_SIGNOUT=false", () => {
  let fleet: PrivateFleet;

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    fleet = await PrivateFleet.start({ env: { IRONLINK_LIVE_SIGNOUT: "false" }, apps: ["one"] });
  });

  test.afterAll(async () => {
    await fleet?.stop();
  });

  test("no script, no event stream; sign-out still holds at the next request", async ({ page, context, browser }) => {
    const one = fleet.apps[0]!.origin;
    const user = uniqueUser();
    await registerViaApi(user, one);
    const asked: string[] = [];
    context.on("request", (request) => {
      const path = new URL(request.url()).pathname;
      if (path === eventsPath || path === liveScriptPath) asked.push(request.url());
    });
    await signInViaUi(page, one, user);
    await page.goto(`${one}/account`);
    await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
    await expect(page.locator(`script[src="${liveScriptPath}"]`)).toHaveCount(0);
    expect((await page.request.get(`${one}${eventsPath}`)).status()).toBe(404);
    expect((await page.request.get(`${one}${liveScriptPath}`)).status()).toBe(404);
    asked.length = 0;

    // Another device signs out everywhere: this open tab is not told, and learns at its next request.
    const device2 = await browser.newContext();
    try {
      const other = await device2.newPage();
      await signInViaUi(other, one, user);
      await other.goto(`${one}/account`);
      await other.getByRole("button", { name: "Sign out everywhere" }).click();
      await expect(other).toHaveURL(`${one}/login`);
    } finally {
      await device2.close();
    }
    await page.waitForTimeout(2_000);
    expect(page.url()).toBe(`${one}/account`);
    expect(asked).toEqual([]);
    await page.reload();
    await expect(page).toHaveURL(/\/login\?next=%2Faccount$/);
  });
});

test.describe("streams per session and IRONLINK_STREAM_MAX_AGE", () => {
  let fleet: PrivateFleet;
  const maxAgeSeconds = 8;
  const raw = new RawStreams();

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    // One trusted proxy hop: a raw stream says which address it comes from; the browser's is the socket's.
    const env = { IRONLINK_STREAM_MAX_AGE: String(maxAgeSeconds), IRONLINK_MAX_STREAMS_PER_ADDRESS: "2", TRUSTED_PROXIES: "1" };
    fleet = await PrivateFleet.start({ env, apps: ["one"] });
  });

  test.afterEach(() => raw.closeAll());

  test.afterAll(async () => {
    await fleet?.stop();
  });

  test("one cookie gets 4 streams, then 429 with Retry-After; another person's stream still opens", async () => {
    const one = fleet.apps[0]!.origin;
    const [mallory, alice] = [uniqueUser(), uniqueUser()];
    for (const user of [mallory, alice]) await registerViaApi(user, one);
    const [malloryCookie, aliceCookie] = [await cookieOf(one, mallory), await cookieOf(one, alice)];
    const answers = [];
    // From ten addresses: the session's bound, not the address's, is what refuses.
    for (let i = 0; i < 10; i++) answers.push(await raw.ask(one, malloryCookie, `198.51.100.${i + 1}`));
    const statuses = answers.map((answer) => answer.statusCode);
    test.info().annotations.push({ type: "one cookie, 10 asks", description: statuses.join(" ") });
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429, 429, 429, 429, 429]);
    expect(answers[4]!.headers["retry-after"]).toBe("30");
    const other = await raw.ask(one, aliceCookie, "198.51.100.1");
    expect(other.statusCode).toBe(200);
    expect(other.headers["content-type"]).toMatch(/^text\/event-stream/);
  });

  test("one address gets IRONLINK_MAX_STREAMS_PER_ADDRESS streams, whoever asks, then 429; another address still opens", async () => {
    const one = fleet.apps[0]!.origin;
    const users = [uniqueUser(), uniqueUser(), uniqueUser()];
    for (const user of users) await registerViaApi(user, one);
    const cookies = await Promise.all(users.map((user) => cookieOf(one, user)));
    const statuses = [];
    for (const cookie of cookies) statuses.push((await raw.ask(one, cookie, "203.0.113.5")).statusCode);
    expect(statuses).toEqual([200, 200, 429]);
    expect((await raw.ask(one, cookies[2]!, "203.0.113.6")).statusCode).toBe(200);
  });

  test("a tab refused (429) backs off; it gets its stream once one frees; a stream past its age comes back and still hears the sign-out", async ({ page, context }) => {
    test.setTimeout(120_000);
    const one = fleet.apps[0]!.origin;
    const notices = await recordNotices(context);
    const user = uniqueUser();
    await registerViaApi(user, one);
    expect((await context.request.post(`${one}/api/login`, { data: user, headers: { origin: one } })).status()).toBe(200);
    const cookie = (await context.cookies(one)).map((c) => `${c.name}=${c.value}`).join("; ");
    // Four streams held by this very cookie below the browser: the tab's own is the fifth.
    for (let i = 0; i < 4; i++) expect((await raw.ask(one, cookie, `192.0.2.${i + 1}`)).statusCode).toBe(200);
    const asked: { status: number; at: number }[] = [];
    page.on("response", (response) => {
      const url = new URL(response.url());
      if (url.pathname === eventsPath && !url.searchParams.has("check")) asked.push({ status: response.status(), at: Date.now() });
    });
    await page.goto(`${one}/`);
    await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
    await expect.poll(() => asked.some((answer) => answer.status === 429)).toBe(true);
    const from = Date.now();
    await page.waitForTimeout(5_000);
    const inWindow = asked.filter((answer) => answer.at >= from);
    test.info().annotations.push({ type: "refused tab", description: `${inWindow.length} stream requests in 5 s: ${inWindow.map((a) => a.status).join(" ")}` });
    expect(inWindow.length).toBeLessThanOrEqual(6);
    expect(inWindow.every((answer) => answer.status === 429)).toBe(true);

    // The held streams reach their age and end: the tab gets its stream within its backoff (at most 30 s).
    await expect.poll(() => asked.some((answer) => answer.status === 200), { timeout: 60_000 }).toBe(true);
    const firstOpen = asked.findIndex((answer) => answer.status === 200);
    // Its own stream ends at its age too, cleanly: the tab opens another by itself, signed in, with no notice.
    await expect.poll(() => asked.slice(firstOpen + 1).some((answer) => answer.status === 200), { timeout: (maxAgeSeconds + 15) * 1000 }).toBe(true);
    expect(page.url()).toBe(`${one}/`);
    await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
    expect(notices.get(page) ?? []).toEqual([]);

    // The stream it came back with is live: a sign-out elsewhere reaches the tab.
    const elsewhere = await playwrightRequest.newContext();
    try {
      expect((await elsewhere.post(`${one}/api/logout`, { headers: { origin: one, cookie } })).status()).toBe(200);
    } finally {
      await elsewhere.dispose();
    }
    await expect.poll(() => (notices.get(page) ?? []).length, { timeout: 10_000 }).toBe(1);
  });
});
