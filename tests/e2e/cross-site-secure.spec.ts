import type { Page, Response as PageResponse } from "@playwright/test";
import { CrossSiteFleet, handoffCookieName, loopback, secureHandoffCookieName, sessionStatus, type AppName } from "./cross-site-fleet";
import { attackersHandoff, checkServersAfterTest, expect, place, plantVerifier, redirectChain, startPath, test } from "./cross-site-test";
import { registerViaUi, signedInAs, uniqueUser } from "./fixtures";

/**
 * The cross-site sign-in with Secure cookies, as in production (docs/cross-site.md, "Why a planted cookie
 * cannot sign you in"): the satellites' verifier is `__Host-ironlink_handoff`, which no other host and no
 * plain-HTTP answer can set, so an attacker's verifier planted under the name they can set (unprefixed)
 * signs no one in, whether it is the only one or sits beside the victim's own.
 *
 * The fleet is on `*.localhost` names (one.localhost signs in; two.localhost and svc.localhost are
 * satellites): Chromium resolves them itself and treats them as secure contexts, so the apps' plain-HTTP
 * answers may set Secure, `__Host-` cookies. A planted cookie is added to the browser as an attacker would
 * set it (an unprefixed name, not Secure: what a forged plain-HTTP answer can set).
 */

// One worker takes the file (one fleet, not one per worker): its tests are few and short.
test.describe.configure({ mode: "default", timeout: 120_000 });

let fleet: CrossSiteFleet;

test.beforeAll(async () => {
  test.setTimeout(240_000);
  fleet = await CrossSiteFleet.start("secure");
});

test.afterAll(async () => {
  await fleet?.stop();
});

test.afterEach(({}, testInfo) => checkServersAfterTest(fleet, testInfo));

const refusalHeadings = { invalid: "This sign-in link is no longer valid", "cookie-missing": "Your browser did not keep a cookie" } as const;

/** Refused: one redirect to the callback's page without the code, a 400 page, anonymous there. */
async function expectRefusedAndAnonymous(response: PageResponse | null, page: Page, app: AppName, error: keyof typeof refusalHeadings): Promise<void> {
  expect(response?.status()).toBe(400);
  expect(redirectChain(response).slice(-2).map((request) => new URL(request.url()).searchParams.has("code"))).toEqual([true, false]);
  expect(new URL(page.url()).searchParams.get("error")).toBe(error);
  await expect(page.locator("h1")).toHaveText(refusalHeadings[error]);
  const answer = await sessionStatus(page.context(), fleet, app);
  expect(answer.status, `${app}: ${answer.body}`).toBe(401);
}

for (const app of ["two", "service"] as const) {
  test.describe(`${app}, with Secure cookies`, () => {
    test("the start route's verifier is __Host- prefixed: host-only, Path=/, Secure, HttpOnly, SameSite=Lax; and signing in works", async ({ page }) => {
      const origin = fleet.apps[app].origin;
      const answer = await loopback(`${origin}${startPath}?next=%2F`, { headers: { Accept: "text/html" } });
      expect(answer.status, answer.body).toBe(303);
      const line = answer.setCookies.find((cookie) => cookie.includes(`${handoffCookieName}=`));
      expect(line, answer.setCookies.join("\n")).toMatch(new RegExp(`^${secureHandoffCookieName}=[A-Za-z0-9_-]{43};`));
      const attributes = line!.split(";").slice(1).map((part) => part.trim().toLowerCase());
      expect(attributes).toEqual(expect.arrayContaining(["path=/", "secure", "httponly", "samesite=lax"]));
      expect(attributes.some((part) => part.startsWith("domain="))).toBe(false);

      // The browser keeps it (a secure context), and the hand-off signs the visitor in as usual.
      const user = uniqueUser();
      await registerViaUi(page, fleet.one, user);
      await page.goto(`${origin}/`);
      await expect(page).toHaveURL(`${origin}/`);
      await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
      expect((await page.context().cookies(origin)).map((cookie) => cookie.name)).not.toContain(secureHandoffCookieName);
    });

    test("an attacker's verifier planted as the only one, with the attacker's code, signs no one in", async ({ page, context, newContext }) => {
      const origin = fleet.apps[app].origin;
      const attacker = await attackersHandoff(newContext, fleet, origin);
      // A browser that never started a hand-off here: the planted cookie is the only verifier it sends.
      await plantVerifier(context, attacker.verifier, fleet.apps[app].host);
      const sent = (await context.cookies(attacker.url)).filter((cookie) => cookie.name.endsWith(handoffCookieName));
      expect(sent.map((cookie) => [cookie.name, cookie.value])).toEqual([[handoffCookieName, attacker.verifier]]);

      // An unprefixed verifier is not one on a Secure app: as if there were none, and the code is spent.
      await expectRefusedAndAnonymous(await page.goto(attacker.url), page, app, "cookie-missing");
    });

    test("an attacker's verifier planted beside the victim's own __Host- one signs no one in", async ({ page, context, newContext }) => {
      const origin = fleet.apps[app].origin;
      const attacker = await attackersHandoff(newContext, fleet, origin);
      await page.goto(`${origin}/`);
      await expect(page).toHaveURL((url) => place(url.href) === `${fleet.one}/login`);
      await plantVerifier(context, attacker.verifier, fleet.apps[app].host);
      const sent = (await context.cookies(attacker.url)).filter((cookie) => cookie.name.endsWith(handoffCookieName));
      expect(sent).toHaveLength(2);

      // The victim's own verifier is read (the planted one ignored), and the attacker's code was not issued for it.
      await expectRefusedAndAnonymous(await page.goto(attacker.url), page, app, "invalid");
    });
  });
}
