import {
  expect,
  expectApiSession,
  expectSignedInOnPage,
  expectSignedOutOnPage,
  registerViaUi,
  signedInAs,
  signInViaUi,
  signOutViaUi,
  test,
  uniqueUser,
} from "./fixtures";

/**
 * The cross-app single sign-on flows, for any fleet of two apps: the Redis fleet (sso.spec.ts) and the
 * file-store fleet (sso-file-store.spec.ts, the "file-store" project) run the same tests.
 */
export function describeSingleSignOn(title: string, appOne: string, appTwo: string): void {
  const apps = [appOne, appTwo] as const;
  test.describe(title, () => {
    test("registering on app one signs the user in on app two too", async ({ page }) => {
      const user = uniqueUser();
      await registerViaUi(page, appOne, user);

      await expectSignedInOnPage(page, appTwo, user.username);
      for (const app of apps) await expectApiSession(page.request, app, user.username);
    });

    test("signing out on app one signs the user out of both apps", async ({ page }) => {
      const user = uniqueUser();
      await registerViaUi(page, appOne, user);
      await expectSignedInOnPage(page, appTwo, user.username);

      await signOutViaUi(page, appOne);

      await expectSignedOutOnPage(page, appTwo);
      await expectSignedOutOnPage(page, appOne);
      for (const app of apps) await expectApiSession(page.request, app, null);
    });

    test("signing in on app two after signing out is seen by app one", async ({ page }) => {
      const user = uniqueUser();
      await registerViaUi(page, appOne, user);
      await signOutViaUi(page, appOne);
      await expectSignedOutOnPage(page, appTwo);

      await signInViaUi(page, appTwo, user);

      await expectSignedInOnPage(page, appOne, user.username);
      for (const app of apps) await expectApiSession(page.request, app, user.username);
    });

    test("the link between the apps points at the other app of this fleet", async ({ page }) => {
      const user = uniqueUser();
      await registerViaUi(page, appOne, user);
      await page.getByRole("link", { name: "open App Two" }).click();
      await expect(page).toHaveURL(`${appTwo}/`);
      await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
      await page.getByRole("link", { name: "back to App One" }).click();
      await expect(page).toHaveURL(`${appOne}/`);
      await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
    });
  });
}
