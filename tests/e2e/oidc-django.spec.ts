import type { Page } from "@playwright/test";
import { django } from "./env";
import {
  appOne,
  appTwo,
  expect,
  expectApiSession,
  expectSignedOutOnPage,
  fillCredentials,
  registerViaApi,
  signedInAs,
  signInViaUi,
  signOutViaUi,
  test,
  uniqueUser,
} from "./fixtures";
import { djangoUser, expectDjangoSignedIn, expectDjangoSignedOut, recordNavigations, waitForDjangoAnonymous } from "./oidc-django";

/**
 * apps/django, a Django app signed in through app one's OpenID Provider (Authlib, authorization code + PKCE),
 * in a real Chromium against the real Django the config starts (the "django" webServer): one sign-in for the
 * fleet and Django, and every end of the fleet session reaching Django by back-channel logout. The timeout's
 * own test is oidc-django-timeout.spec.ts (a fleet with a one-minute idle timeout).
 */

/** Sign-out anywhere → Django's next request is anonymous: the provider promises about 1 s; a busy 2-CPU machine gets 3. */
const backChannelWithinMs = 3_000;

/** The URL of a recorded navigation ("GET http://…"). */
const urlOf = (line: string) => new URL(line.split(" ")[1]!);
/** app one's sign-in page, wherever it was asked for (with or without `?next=`). */
const isFleetSignInPage = (line: string) => urlOf(line).origin === appOne && urlOf(line).pathname === "/login";

/** Signs in to Django through the provider with the browser signed in to the fleet already: no prompt. */
async function signInToDjango(page: Page, username: string): Promise<void> {
  await page.goto(`${django}/login`);
  await expectDjangoSignedIn(page, django, username);
}

test("signed in to the fleet, Django signs in with one trip through the provider and no prompt", async ({ page, context }) => {
  const user = uniqueUser();
  await registerViaApi(user);
  await signInViaUi(page, appOne, user);

  await page.goto(`${django}/`);
  await expectDjangoSignedOut(page, django);
  const navigations = recordNavigations(context);
  await page.getByRole("link", { name: "Sign in", exact: true }).click();
  await expectDjangoSignedIn(page, django, user.username);
  expect(await djangoUser(page.request, django)).toBe(user.username);

  // Django → the provider's authorization endpoint → its interaction (the fleet session is there: straight
  // back) → the authorization endpoint again → Django's callback → Django's page. Never the sign-in form.
  test.info().annotations.push({ type: "navigations", description: navigations.join("\n") });
  expect(navigations.filter(isFleetSignInPage), "app one's sign-in page was never shown").toEqual([]);
  const origins = navigations.map((line) => urlOf(line).origin);
  expect(origins[0]).toBe(django);
  expect(origins.at(-1)).toBe(django);
  const atProvider = navigations.filter((line) => urlOf(line).origin === appOne);
  expect(atProvider.length, "the trip through the provider").toBeGreaterThan(0);
  for (const line of atProvider) expect(urlOf(line).pathname).toMatch(/^\/oidc\//);
  // One trip: the browser went to the provider once and came back once.
  const legs = origins.filter((origin, i) => i > 0 && origin !== origins[i - 1]);
  expect(legs, "Django → provider → Django").toEqual([appOne, django]);
  expect(navigations.filter((line) => line.includes("/oidc/auth?")).length, "one authorization request").toBe(1);
});

test("not signed in: Django's Sign in shows the fleet's sign-in page, which returns to Django signed in", async ({ page }) => {
  const user = uniqueUser();
  await registerViaApi(user);

  await page.goto(`${django}/`);
  await expectDjangoSignedOut(page, django);
  await page.getByRole("link", { name: "Sign in", exact: true }).click();

  await expect(page).toHaveURL(new RegExp(`^${appOne.replace(/[.]/g, "\\.")}/login\\?next=%2Foidc%2Finteraction%2F`));
  await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
  await fillCredentials(page, user);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();

  await expectDjangoSignedIn(page, django, user.username);
  expect(await djangoUser(page.request, django)).toBe(user.username);
  // That sign-in was the fleet's: app one and app two know the user too.
  for (const app of [appOne, appTwo]) await expectApiSession(page.request, app, user.username);
});

test("signing out on app two ends the Django session by back-channel logout", async ({ page }) => {
  const user = uniqueUser();
  await registerViaApi(user);
  await signInViaUi(page, appOne, user);
  await signInToDjango(page, user.username);

  await page.goto(`${appTwo}/`);
  await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
  expect(await djangoUser(page.request, django)).toBe(user.username);

  // Django is asked from the moment of the click, beside the sign-out's own page loads.
  const clickedAt = Date.now();
  const [anonymousAt] = await Promise.all([waitForDjangoAnonymous(page.request, django, clickedAt + 15_000), signOutViaUi(page, appTwo)]);
  expect(anonymousAt, "Django's session ended within 15 s of the sign-out").toBeDefined();
  const elapsed = anonymousAt! - clickedAt;
  test.info().annotations.push({ type: "sign-out → Django anonymous", description: `${elapsed} ms after the click on app two's Sign out` });
  expect(elapsed).toBeLessThanOrEqual(backChannelWithinMs);

  await page.goto(`${django}/`);
  await expectDjangoSignedOut(page, django);
});

test("signing out in Django (RP-initiated) and confirming at the provider signs out of the fleet too", async ({ page }) => {
  const user = uniqueUser();
  await registerViaApi(user);
  await signInViaUi(page, appOne, user);
  await signInToDjango(page, user.username);

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(new RegExp(`^${appOne.replace(/[.]/g, "\\.")}/oidc/session/end`));
  await expect(page).toHaveTitle("Sign out");
  await expect(page.getByRole("button", { name: "Stay signed in to the other apps" })).toBeVisible();
  await page.getByRole("button", { name: "Sign out", exact: true }).click();

  await expectDjangoSignedOut(page, django);
  expect(await djangoUser(page.request, django)).toBeNull();
  // The fleet session ended with it: app one's protected page sends the browser to sign in, app two agrees.
  await expectSignedOutOnPage(page, appOne);
  for (const app of [appOne, appTwo]) await expectApiSession(page.request, app, null);
});
