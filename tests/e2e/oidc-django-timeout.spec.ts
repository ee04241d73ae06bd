import { timeoutFleet } from "./env";
import { expect, expectExpiredOnPage, registerViaApi, signInViaUi, test, uniqueUser } from "./fixtures";
import { djangoUser, expectDjangoSignedIn, expectDjangoSignedOut, waitForDjangoAnonymous } from "./oidc-django";

/**
 * A fleet session that times out reaches Django by back-channel logout: nobody signs out, the session's
 * idle timeout passes, and the provider (which looks at the sessions its clients signed in through once a
 * second) sends Django a logout token.
 *
 * A real timeout, so a real wait: SESSION_IDLE_TIMEOUT's minimum is 60 s. The cheapest place for it:
 * - its fleet (an app one with SESSION_IDLE_TIMEOUT=60, a Redis and a Django of its own: timeoutFleet) is
 *   started by the config with the others, so the test spends nothing on start-up, only the minute;
 * - its project ("oidc-timeout", no dependencies) starts at once in the first phase, beside the first private
 *   fleet spec, while the first phase's work goes on on the other worker: at most half its ~70 s on the
 *   suite, not a minute on top (after the faults spec, whose phase is short, it added ~48 s).
 *   Meanwhile it is one sign-in and a few page loads, then a poll of Django's /api/me twice a second (Django
 *   only: a request to the fleet would move its idle window).
 */

const idleMs = timeoutFleet.idleSeconds * 1_000;
/** After the idle timeout, the provider's sweep (every second) and the logout token's POST: about 1 s; 3 s on a busy machine. */
const graceMs = 3_000;

test.describe.configure({ timeout: 120_000 });

test("an idle timeout of the fleet session ends the Django session by back-channel logout", async ({ page, context }) => {
  const { appOne, django } = timeoutFleet;
  const user = uniqueUser();
  await registerViaApi(user, appOne);
  const signInStarted = Date.now();
  await signInViaUi(page, appOne, user);
  await page.goto(`${django}/login`);
  await expectDjangoSignedIn(page, django, user.username);

  // From here on only Django is asked: record any request to the fleet, which would move the idle window.
  const lastFleetRequest = Date.now();
  const fleetRequests: string[] = [];
  context.on("request", (request) => {
    if (new URL(request.url()).origin === appOne) fleetRequests.push(`${request.method()} ${request.url()}`);
  });

  const anonymousAt = await waitForDjangoAnonymous(page.request, django, lastFleetRequest + idleMs + graceMs + 10_000, 500);
  expect(fleetRequests, "nothing asked the fleet while it idled").toEqual([]);
  expect(anonymousAt, "Django's session ended within 10 s of the deadline").toBeDefined();
  test.info().annotations.push({
    type: "idle timeout → Django anonymous",
    description: `${((anonymousAt! - lastFleetRequest) / 1000).toFixed(1)} s after the last request to the fleet, ${((anonymousAt! - signInStarted) / 1000).toFixed(1)} s after the sign-in began (idle timeout ${timeoutFleet.idleSeconds} s)`,
  });
  // Not before the timeout: the session began with the sign-in, at the earliest.
  expect(anonymousAt! - signInStarted).toBeGreaterThan(idleMs - 500);
  // And soon after it: the last request to the fleet was the latest activity the idle window could count.
  expect(anonymousAt! - lastFleetRequest).toBeLessThanOrEqual(idleMs + graceMs);

  await page.goto(`${django}/`);
  await expectDjangoSignedOut(page, django);
  expect(await djangoUser(page.request, django)).toBeNull();
  // It was the timeout: the fleet's page says the session expired.
  await expectExpiredOnPage(page, appOne);
});
