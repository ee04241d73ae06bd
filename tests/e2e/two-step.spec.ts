import {
  codeFormHeading,
  enterCode,
  enterCodeAndLand,
  expectCodeRefused,
  openAccountFresh,
  passwordThenCodeForm,
  signInMethods,
  totpCode,
  totpPeriodMs,
  turnOnTwoStep,
  wrongTotpCode,
} from "./factors";
import { appOne, expect, expectApiSession, registerViaApi, sessionItems, signInViaUi, signOutViaUi, test, type TestUser, uniqueUser } from "./fixtures";
import type { Page } from "@playwright/test";

/**
 * Two-step verification (TOTP) on the sign-in app, on the Redis fleet: turned on from the account page with a
 * code computed here from the setup key it shows, then asked for after every right password. Each code is
 * accepted once (its time step is remembered fleet-wide), each recovery code once, and the codes share the
 * sign-in's attempt budget. A fresh user per test.
 */

const wrongCodeMessage = "That code is not right, or was already used.";

/** A new user, signed in with the password, two-step verification turned on, then signed out. */
async function userWithTwoStep(page: Page): Promise<{ user: TestUser; setupKey: string; recoveryCodes: string[] }> {
  const user = uniqueUser();
  await registerViaApi(user);
  await signInViaUi(page, appOne, user);
  await openAccountFresh(page, appOne, user);
  const { setupKey, recoveryCodes } = await turnOnTwoStep(page);
  await signOutViaUi(page, appOne);
  return { user, setupKey, recoveryCodes };
}

test.describe("two-step verification", () => {
  test("turned on with a code from the setup key, then asked for at sign-in; a code is taken once", async ({ page }) => {
    const user = uniqueUser();
    await registerViaApi(user);
    await signInViaUi(page, appOne, user);
    await openAccountFresh(page, appOne, user);
    await expect(signInMethods(page).getByText("Two-step verification is off.", { exact: false })).toBeVisible();
    const { setupKey } = await turnOnTwoStep(page);

    // Shown once: the account page, opened again, says it is on and how many recovery codes are left.
    await page.goto(`${appOne}/account`);
    await expect(signInMethods(page).getByText("Two-step verification is on.")).toBeVisible();
    await expect(signInMethods(page).getByText("10 recovery codes left")).toBeVisible();
    await expect(signInMethods(page).getByRole("list", { name: "Recovery codes" })).toHaveCount(0);
    await expect(signInMethods(page).getByRole("button", { name: "Turn off two-step verification" })).toBeVisible();
    await expect(signInMethods(page).getByRole("button", { name: "New recovery codes" })).toBeVisible();
    await signOutViaUi(page, appOne);

    // The right password alone signs nobody in: the form asks for the code, also after a reload.
    await passwordThenCodeForm(page, appOne, user);
    await expect(page.getByLabel("Authentication code")).toHaveAttribute("name", "code");
    await expectApiSession(page.request, appOne, null);
    await page.reload();
    await expect(codeFormHeading(page)).toBeVisible();
    await expect(page.getByLabel("Authentication code")).toBeVisible();

    // The current step's code (unused: turning on took the previous step's, see turnOnTwoStep).
    const code = totpCode(setupKey);
    await enterCodeAndLand(page, appOne, user, code);
    const usedAt = Date.now();
    await page.goto(`${appOne}/account`);
    await expect(sessionItems(page).filter({ hasText: "(this device)" })).toContainText("Signed in with password and authentication code");
    await signOutViaUi(page, appOne);

    // The same code again: refused although its step is still in the window (it stays valid for the rest of its
    // step and the whole next one, at least 30 s after it was used; the guard below says the replay came sooner).
    // Whether the step rolled over meanwhile or not, the server matches the code to the step it was used in.
    await passwordThenCodeForm(page, appOne, user);
    await enterCode(page, code);
    await expectCodeRefused(page, wrongCodeMessage);
    expect(Date.now() - usedAt, "the replay was judged within the code's window").toBeLessThan(totpPeriodMs);
    await expectApiSession(page.request, appOne, null);

    // Refused for being used, not for being out of time: the next step's code, unused (the window accepts one
    // step ahead), signs in from the same form without waiting for it.
    await enterCodeAndLand(page, appOne, user, totpCode(setupKey, Date.now() + totpPeriodMs));
  });

  test("a recovery code signs in once", async ({ page }) => {
    const { user, recoveryCodes } = await userWithTwoStep(page);
    const [first, second] = recoveryCodes as [string, string];

    await passwordThenCodeForm(page, appOne, user);
    // Typed as people do: upper case, without the dash.
    await enterCodeAndLand(page, appOne, user, first.replace("-", "").toUpperCase());
    await page.goto(`${appOne}/account`);
    await expect(signInMethods(page).getByText("9 recovery codes left")).toBeVisible();
    await signOutViaUi(page, appOne);

    await passwordThenCodeForm(page, appOne, user);
    await enterCode(page, first);
    await expectCodeRefused(page, wrongCodeMessage);
    await expectApiSession(page.request, appOne, null);
    // Another of the codes still works, from the same form.
    await enterCodeAndLand(page, appOne, user, second);
  });

  // The password's attempt stays counted until its code is right, and every code is counted against the same
  // budget of 5 failures per username and address: the password is attempt 1, wrong codes are attempts 2 to
  // 5 ("not right"), and the fifth wrong code is attempt 6, refused with "Too many attempts, try again in …"
  // (429). From then on even the right code is refused the same way, until the window (15 minutes) ends.
  test("five wrong codes after a right password: too many attempts, even for the right code after them", async ({ page }) => {
    const { user, setupKey } = await userWithTwoStep(page);
    await passwordThenCodeForm(page, appOne, user);

    const wrong = wrongTotpCode(setupKey);
    for (let attempt = 1; attempt <= 4; attempt++) {
      await enterCode(page, wrong);
      await expectCodeRefused(page, wrongCodeMessage);
    }
    await enterCode(page, wrong);
    await expectCodeRefused(page, /^Too many attempts, try again in \d+ (minutes?|seconds?)\.$/);

    await enterCode(page, totpCode(setupKey));
    await expectCodeRefused(page, /^Too many attempts, try again in \d+ (minutes?|seconds?)\.$/);
    await expectApiSession(page.request, appOne, null);
  });
});
