import type { Page } from "@playwright/test";
import {
  appOne,
  appTwo,
  expect,
  fillCredentials,
  guardAgainstOffsite,
  registerViaApi,
  signedInAs,
  test,
  uniqueUser,
  type TestUser,
} from "./fixtures";

async function submitSignIn(page: Page, user: TestUser): Promise<void> {
  await fillCredentials(page, user);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

// Raw query strings, as an attacker would write them in a link.
const hostileNext = [
  "//evil.example",
  "/\\evil.example",
  "javascript:alert(1)",
  "https://evil.example",
  "%2F%2Fevil.example",
  "%2F%5Cevil.example",
  "%2F%252F%252Fevil.example", // "/%2F%2Fevil.example": decodes to "///evil.example"
  "/%09/evil.example", // a tab, which browsers drop inside URLs: "//evil.example"
  "https:evil.example",
];

test.describe("?next= after sign-in", () => {
  for (const raw of hostileNext) {
    test(`next=${raw} lands on the app's own /`, async ({ page, context }) => {
      const user = uniqueUser();
      await registerViaApi(user);
      const { offsite, dialogs } = await guardAgainstOffsite(context, page);

      await page.goto(`${appOne}/login?next=${raw}`);
      await expect(page.locator('input[name="next"]')).toHaveValue("/");
      await submitSignIn(page, user);

      await expect(page).toHaveURL(`${appOne}/`);
      await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
      // Once signed in, the login page sends the visitor on to `next` right away: same check.
      await page.goto(`${appOne}/login?next=${raw}`);
      await expect(page).toHaveURL(`${appOne}/`);
      expect(offsite).toEqual([]);
      expect(dialogs).toEqual([]);
    });
  }

  test("a hostile value forced into the hidden field is refused by the server", async ({ newContext }) => {
    const user = uniqueUser();
    await registerViaApi(user);
    for (const forged of ["//evil.example", "/\\evil.example", "https://evil.example", "javascript:alert(1)", "/%2F/evil.example"]) {
      const browser = await newContext();
      const tab = await browser.newPage();
      const { offsite, dialogs } = await guardAgainstOffsite(browser, tab);
      await tab.goto(`${appOne}/login`);
      await tab.locator('input[name="next"]').evaluate((input: HTMLInputElement, value) => (input.value = value), forged);
      await submitSignIn(tab, user);
      await expect(tab, `hidden next=${forged}`).toHaveURL(`${appOne}/`);
      await expect(signedInAs(tab)).toHaveText(`Signed in as ${user.username}`);
      expect(offsite).toEqual([]);
      expect(dialogs).toEqual([]);
    }
  });

  test("the sign-in page names a refused host, and never prints the link's own text", async ({ page }) => {
    await page.goto(`${appOne}/login?next=${encodeURIComponent("https://evil.example/x")}`);
    await expect(page.getByText(/would have sent you to evil\.example after signing in/)).toBeVisible();

    const planted = "javascript:Your account is locked, call +1 555 0100";
    await page.goto(`${appOne}/login?next=${encodeURIComponent(planted)}`);
    await expect(page.getByText(/would have sent you somewhere after signing in, which is not one of this fleet's apps/)).toBeVisible();
    await expect(page.locator("body")).not.toContainText("Your account is locked");
  });

  test("a same-site next is honoured", async ({ page }) => {
    const user = uniqueUser();
    await registerViaApi(user);

    await page.goto(`${appTwo}/login?next=/api/session`);
    await expect(page.locator('input[name="next"]')).toHaveValue("/api/session");
    await submitSignIn(page, user);

    await expect(page).toHaveURL(`${appTwo}/api/session`);
    await expect(page.locator("body")).toContainText(`"username":"${user.username}"`);

    // And for a signed-in visitor the login page passes it straight on.
    await page.goto(`${appOne}/login?next=%2Fapi%2Fsession`);
    await expect(page).toHaveURL(`${appOne}/api/session`);
  });

  test("next survives the switch from /login to /register", async ({ page }) => {
    const user = uniqueUser();
    await page.goto(`${appOne}/login?next=/api/session`);
    await page.getByRole("link", { name: "Create one" }).click();
    await expect(page).toHaveURL(`${appOne}/register?next=%2Fapi%2Fsession`);
    await fillCredentials(page, user);
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page).toHaveURL(`${appOne}/api/session`);
    await expect(page.locator("body")).toContainText(`"username":"${user.username}"`);
  });

  test("visiting / while signed out comes back to / after sign-in", async ({ page }) => {
    const user = uniqueUser();
    await registerViaApi(user);
    await page.goto(`${appTwo}/`);
    await expect(page).toHaveURL(`${appTwo}/login?next=%2F`);
    await submitSignIn(page, user);
    await expect(page).toHaveURL(`${appTwo}/`);
    await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
  });
});
