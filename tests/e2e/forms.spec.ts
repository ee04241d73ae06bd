import {
  appOne,
  apps,
  expect,
  expectApiSession,
  fillCredentials,
  formMessage,
  registerViaApi,
  sessionCookie,
  test,
  uniqueUser,
} from "./fixtures";

test.describe("form errors", () => {
  test("a wrong password keeps the visitor on /login, signed out, with the username kept", async ({ page, context }) => {
    const user = uniqueUser();
    await registerViaApi(user);
    // Usernames are case-insensitive: the account is found, the password is what is wrong.
    const typed = user.username.toUpperCase();

    await page.goto(`${appOne}/login`);
    await fillCredentials(page, { username: typed, password: `${user.password}-wrong` });
    await page.getByRole("button", { name: "Sign in", exact: true }).click();

    await expect(formMessage(page)).toHaveText("Wrong username or password.");
    await expect(formMessage(page)).toHaveAttribute("role", "alert");
    await expect(page).toHaveURL(`${appOne}/login`);
    await expect(page.getByLabel("Username")).toHaveValue(typed);
    await expect(page.getByLabel("Password")).toHaveValue("");
    expect(await sessionCookie(context)).toBeUndefined();
    for (const app of apps) await expectApiSession(page.request, app, null);
  });

  test("an unknown username gets the same message as a wrong password", async ({ page }) => {
    await page.goto(`${appOne}/login`);
    await fillCredentials(page, uniqueUser());
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(formMessage(page)).toHaveText("Wrong username or password.");
    await expect(page).toHaveURL(`${appOne}/login`);
    await expectApiSession(page.request, appOne, null);
  });

  test("registering a taken username says so on the form", async ({ page, context }) => {
    const user = uniqueUser();
    await registerViaApi(user);

    await page.goto(`${appOne}/register`);
    // Another case of the same name is the same account.
    await fillCredentials(page, { username: user.username.toUpperCase(), password: uniqueUser().password });
    await page.getByRole("button", { name: "Create account" }).click();

    await expect(formMessage(page)).toHaveText("That username is taken. Choose another or sign in.");
    await expect(page.locator("#register-username-error")).toHaveText("That username is taken. Choose another or sign in.");
    await expect(page.getByLabel("Username")).toHaveAttribute("aria-invalid", "true");
    await expect(page).toHaveURL(`${appOne}/register`);
    expect(await sessionCookie(context)).toBeUndefined();
    await expectApiSession(page.request, appOne, null);
  });

  test("registering with a too-short password shows field errors", async ({ page, context }) => {
    const user = uniqueUser();
    await page.goto(`${appOne}/register`);
    await fillCredentials(page, { username: user.username, password: "short" });
    await page.getByRole("button", { name: "Create account" }).click();

    await expect(formMessage(page)).toHaveText("Check the highlighted fields.");
    const passwordError = page.locator("#register-password-error");
    await expect(passwordError).toHaveText("Use at least 12 characters.");
    await expect(passwordError).toHaveClass("field-error");
    await expect(page.getByLabel("Password")).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByLabel("Password")).toHaveAttribute("aria-describedby", "register-password-hint register-password-error");
    await expect(page.getByLabel("Username")).toHaveAttribute("aria-invalid", "false");
    await expect(page.getByLabel("Username")).toHaveValue(user.username);
    await expect(page).toHaveURL(`${appOne}/register`);
    expect(await sessionCookie(context)).toBeUndefined();

    // Nothing was created: the name is still free.
    await fillCredentials(page, user);
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page).toHaveURL(`${appOne}/`);
  });

  test("an invalid username shows its field error", async ({ page }) => {
    await page.goto(`${appOne}/register`);
    await fillCredentials(page, { username: "-x", password: uniqueUser().password });
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.locator(".field-error")).toHaveText([
      "Use 3–32 letters, digits, dots, dashes or underscores, starting with a letter or digit.",
    ]);
    await expect(page).toHaveURL(`${appOne}/register`);
  });
});
