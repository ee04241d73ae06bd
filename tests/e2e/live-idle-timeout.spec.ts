import { eventsPath, gotoLive, recordNotices, signedOutText } from "./live";
import { PrivateFleet } from "./private-fleet";
import { expect, formNotice, expiredMessage, registerViaApi, signInViaUi, test, uniqueUser } from "./fixtures";

/**
 * Live sign-out and timeouts (issue 14): a timeout has no event, so each open stream knows when its session
 * would end (the store's TTL, asked when it opens) and checks again then. A tab left open with no request
 * lands on the sign-in page by itself once the idle timeout passes.
 *
 * A fleet of its own (the "private-fleets" project): the shortest idle timeout the apps accept, 60 s.
 */

const idleSeconds = 60;
/** After the idle timeout, the tab has this long to say so and reload (the stream's check, the page's script, the reload). */
const graceMs = 3_000;

test.describe.configure({ timeout: 120_000 });

let fleet: PrivateFleet;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  fleet = await PrivateFleet.start({ env: { SESSION_IDLE_TIMEOUT: String(idleSeconds) } });
});

test.afterAll(async () => {
  await fleet?.stop();
});

test.afterEach(async ({}, testInfo) => {
  if (fleet && testInfo.status !== testInfo.expectedStatus) {
    for (const app of fleet.apps) await testInfo.attach(`app-${app.name}.log`, { body: app.process.output, contentType: "text/plain" });
  }
});

test("an idle timeout reaches an open tab: it says so and goes to sign in by itself", async ({ page, context }) => {
  const [one, two] = fleet.apps.map((app) => app.origin) as [string, string];
  const notices = await recordNotices(context);
  const user = uniqueUser();
  await registerViaApi(user, one);
  const signInStarted = Date.now();
  await signInViaUi(page, one, user);
  // A tab on app two too, opened last: its requests are the session's last activity, so the idle
  // window ends at most 60 s after this (a request moves it at most once a minute).
  const other = await context.newPage();
  await gotoLive(page, `${one}/`);
  await gotoLive(other, `${two}/`);
  // Next prefetches the pages' links (/account) once they are idle: those are requests too, let them pass.
  await page.waitForTimeout(2_000);
  const lastActivity = Date.now();
  const requests: { line: string; at: number }[] = [];
  context.on("request", (request) => requests.push({ line: `${request.method()} ${request.url()}`, at: Date.now() }));

  const deadline = lastActivity + idleSeconds * 1_000 + graceMs;
  await Promise.all(
    [page, other].map(async (tab) => {
      await expect(tab).toHaveURL(/\/login\?next=%2F$/, { timeout: Math.max(1, deadline - Date.now()) });
      test.info().annotations.push({ type: "idle timeout", description: `${tab.url()}: ${((Date.now() - lastActivity) / 1000).toFixed(1)} s after the last request` });
      await expect(formNotice(tab)).toHaveText(expiredMessage);
      await expect(tab.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
    }),
  );
  // Not before the timeout (the session began at the sign-in, at the earliest): the stream waited for the
  // session's end, and nothing but the page's script asked anything meanwhile.
  for (const tab of [page, other]) {
    const seen = notices.get(tab) ?? [];
    expect(seen.map((notice) => notice.text)).toEqual([signedOutText]);
    expect(seen[0]!.at - signInStarted).toBeGreaterThan(idleSeconds * 1_000 - 500);
  }
  // Until the first notice, the tabs asked nothing but their streams: no request moved the idle window.
  const firstNotice = Math.min(...[page, other].map((tab) => notices.get(tab)![0]!.at));
  const meanwhile = requests.filter(({ at }) => at < firstNotice).map(({ line }) => line);
  for (const line of meanwhile) expect(line, "only the live script's own requests before the notice").toContain(eventsPath);
});
