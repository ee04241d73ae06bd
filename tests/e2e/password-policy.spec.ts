import { randomBytes, scryptSync } from "node:crypto";
import { request as playwrightRequest, type Page } from "@playwright/test";
import {
  appOne,
  appTwo,
  expect,
  expectApiSession,
  fillCredentials,
  formMessage,
  registerViaApi,
  registerViaUi,
  sessionCookie,
  signInViaUi,
  signOutViaUi,
  test,
  uniqueUser,
} from "./fixtures";

// What a person reads: the rules of NIST SP 800-63B / OWASP ASVS V2.1 for new passwords.
const hint = "At least 12 characters. A few unrelated words make a good one; spaces, accents and emoji are fine.";
const tooCommon = "This password is too common: choose another.";
const isUsername = "Your password cannot be your username.";
const tooShort = "Use at least 12 characters.";
const onlySpaces = "Your password cannot be only spaces.";
/** In @zxcvbn-ts/language-common's list, and 12 characters long, so only the list refuses it. */
const commonPassword = "password1234";
const goodPassphrase = "Ünïcödé 🔑 stapler orbit lantern";

/** Submits the register form and expects it back with `error` under the password field, signed out. */
async function expectRegisterRefused(page: Page, username: string, password: string, error: string): Promise<void> {
  await page.goto(`${appOne}/register`);
  await fillCredentials(page, { username, password });
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.locator("#register-password-error"), JSON.stringify(password)).toHaveText(error);
  await expect(formMessage(page)).toHaveText("Check the highlighted fields.");
  await expect(page).toHaveURL(`${appOne}/register`);
  expect(await sessionCookie(page.context())).toBeUndefined();
  await expect(page.getByLabel("Username")).toHaveValue(username);
  await expect(page.getByLabel("Password")).toHaveAttribute("aria-invalid", "true");
  // The rule stays in view next to the reason, and both are read out with the field.
  await expect(page.locator("#register-password-hint")).toHaveText(hint);
  await expect(page.getByLabel("Password")).toHaveAttribute("aria-describedby", "register-password-hint register-password-error");
}

test.describe("password policy", () => {
  test("the register form states the rule, refuses a common password and the username with their reasons, and takes a good passphrase", async ({ page }) => {
    const user = uniqueUser();
    await expectRegisterRefused(page, user.username, commonPassword, tooCommon);
    await expectRegisterRefused(page, user.username, "PassWord1234", tooCommon);
    // The username is 17 characters here, so only the username rule refuses it.
    await expectRegisterRefused(page, user.username, user.username.toUpperCase(), isUsername);
    await expectRegisterRefused(page, user.username, "password", tooShort);
    await expectRegisterRefused(page, user.username, " ".repeat(8), onlySpaces);

    // Nothing was created by the refusals: the name is still free, and a good passphrase gets it.
    await page.goto(`${appOne}/register`);
    await expect(page.locator("#register-password-hint")).toHaveText(hint);
    await expect(page.getByLabel("Password")).toHaveAttribute("aria-describedby", "register-password-hint");
    await registerViaUi(page, appOne, { username: user.username, password: goodPassphrase });
    await expectApiSession(page.request, appTwo, user.username);
  });

  test("POST /api/register refuses weak passwords with 400 and the field error, and takes a good passphrase", async () => {
    const user = uniqueUser();
    const client = await playwrightRequest.newContext();
    try {
      const refusals: [string, string][] = [
        [commonPassword, tooCommon],
        [user.username, isUsername],
        [` ${user.username.toUpperCase()} `, isUsername],
        ["12345678", tooShort],
        [" ".repeat(8), onlySpaces],
      ];
      for (const [password, error] of refusals) {
        for (const app of [appOne, appTwo]) {
          const response = await client.post(`${app}/api/register`, { data: { username: user.username, password } });
          const what = `${JSON.stringify(password)} at ${app}`;
          expect(response.status(), what).toBe(400);
          expect(await response.json(), what).toEqual({ error: "invalid_input", message: "Check the highlighted fields.", fieldErrors: { password: error } });
          expect(response.headers()["set-cookie"], what).toBeUndefined();
        }
      }
      const registered = await client.post(`${appTwo}/api/register`, { data: { username: user.username, password: goodPassphrase } });
      expect(registered.status(), await registered.text()).toBe(201);
      await expectApiSession(client, appOne, user.username);
    } finally {
      await client.dispose();
    }
  });

  test("the password-change form refuses a weak new password with its reason", async ({ page }) => {
    const user = uniqueUser();
    await registerViaApi(user);
    await signInViaUi(page, appTwo, user);
    await page.goto(`${appTwo}/account`);
    for (const [newPassword, error] of [
      [commonPassword, tooCommon],
      [user.username, isUsername],
      ["short", tooShort],
    ]) {
      await page.getByLabel("Current password").fill(user.password);
      await page.getByLabel("New password").fill(newPassword!);
      await page.getByRole("button", { name: "Change password" }).click();
      await expect(page.locator("#new-password-error"), newPassword).toHaveText(error!);
      await expect(page.getByLabel("New password")).toHaveAttribute("aria-invalid", "true");
      await expect(page.locator(".form-success")).toHaveCount(0);
    }
    await expect(page.locator("#new-password-hint")).toHaveText(hint);
    // The password did not change.
    await signOutViaUi(page, appTwo);
    await signInViaUi(page, appOne, user);
  });

  test("an account made before the rules signs in with its weak password", async ({ redis, page }) => {
    const username = uniqueUser().username;
    const weak = "password";
    // The stored format, written the way the apps write it (scrypt over the NFKC password), not with their code.
    const salt = randomBytes(16);
    const key = scryptSync(weak.normalize("NFKC"), salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    const passwordHash = ["scrypt", 2 ** 15, 8, 1, salt.toString("base64url"), key.toString("base64url")].join("$");
    await redis.set(`ironlink:user:${username}`, JSON.stringify({ id: username, username, passwordHash, createdAt: Date.now() }), "NX");

    await signInViaUi(page, appOne, { username, password: weak });
    const api = await playwrightRequest.newContext();
    try {
      expect((await api.post(`${appTwo}/api/login`, { data: { username, password: weak } })).status()).toBe(200);
    } finally {
      await api.dispose();
    }
  });
});
