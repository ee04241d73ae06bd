import { fileFleet } from "./env";
import { signInMethods, stepUpHeading } from "./factors";
import { expect, registerViaApi, signInViaUi, test, uniqueUser } from "./fixtures";

/**
 * Step-up on the file-store fleet, whose sign-ins stay fresh for sensitive changes for 20 s only
 * (IRONLINK_FRESH_AGE=20, fileFleet.freshAgeSeconds): waiting 21 s here stands for "two hours after sign-in"
 * with the default of 10 minutes. Older than that, the account page asks "Confirm it's you" before it shows
 * the password, passkey and two-step controls.
 */

const { appOne } = fileFleet;

test.describe("step-up", () => {
  test("an old sign-in confirms it's you with the password before changing it", async ({ page }) => {
    test.slow(); // 21 s of waiting on purpose, then a password hash or three.
    const user = uniqueUser();
    await registerViaApi(user, appOne);
    await signInViaUi(page, appOne, user);
    // Stands for "two hours after sign-in": the sign-in is older than IRONLINK_FRESH_AGE (20 s) once this is over.
    // Counted from the home page's arrival, after the server recorded the sign-in: at least 21 s old.
    await page.waitForTimeout((fileFleet.freshAgeSeconds + 1) * 1000);

    await page.goto(`${appOne}/account`);
    const methods = signInMethods(page);
    await expect(stepUpHeading(page)).toBeVisible();
    await expect(methods.getByLabel("Password", { exact: true })).toBeVisible();
    await expect(methods.getByRole("button", { name: "Confirm", exact: true })).toBeVisible();
    // No passkeys and no two-step verification: only the password is offered.
    await expect(methods.getByRole("button", { name: "Use a passkey" })).toHaveCount(0);
    await expect(methods.getByRole("button", { name: "Confirm with code" })).toHaveCount(0);
    // The sensitive controls wait behind it.
    await expect(page.getByRole("heading", { name: "Change password" })).toHaveCount(0);
    await expect(page.getByLabel("Current password")).toHaveCount(0);
    await expect(methods.getByRole("button", { name: "Add a passkey" })).toHaveCount(0);
    await expect(methods.getByRole("button", { name: "Turn on two-step verification" })).toHaveCount(0);

    await methods.getByLabel("Password", { exact: true }).fill(`${user.password}-wrong`);
    await methods.getByRole("button", { name: "Confirm", exact: true }).click();
    await expect(methods.getByRole("alert")).toHaveText("That is not right. Try again.");
    await expect(stepUpHeading(page)).toBeVisible();
    await expect(page.getByRole("heading", { name: "Change password" })).toHaveCount(0);

    await methods.getByLabel("Password", { exact: true }).fill(user.password);
    await methods.getByRole("button", { name: "Confirm", exact: true }).click();
    await expect(stepUpHeading(page)).toHaveCount(0);
    await expect(page.getByRole("heading", { name: "Change password" })).toBeVisible();
    await expect(methods.getByRole("button", { name: "Add a passkey" })).toBeVisible();
    await expect(methods.getByRole("button", { name: "Turn on two-step verification" })).toBeVisible();

    // Fresh again for 20 s: the change goes through.
    await page.getByLabel("Current password").fill(user.password);
    await page.getByLabel("New password").fill(`${user.password}-new`);
    await page.getByRole("button", { name: "Change password" }).click();
    await expect(page.locator(".form-success")).toHaveText("Password changed. Your other sessions were signed out.");
  });
});
