import fs from "node:fs";
import path from "node:path";
import { appOne, appTwo, expect, registerViaApi, sessionItems, signInViaUi, test, uniqueUser } from "./fixtures";

// Refreshed on every run, for the README and docs.
const imagePath = (name: string) => path.resolve(__dirname, "../../docs/images", name);
const screenshotPath = imagePath("login.png");

test("login page screenshot", async ({ page }) => {
  await page.setViewportSize({ width: 960, height: 640 });
  await page.goto(`${appOne}/login`);

  await expect(page).toHaveTitle("Ironlink One");
  await expect(page.getByRole("heading", { name: "Sign in", exact: true })).toBeVisible();
  await expect(page.getByLabel("Username")).toBeVisible();
  await expect(page.getByLabel("Password")).toHaveAttribute("type", "password");
  await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeEnabled();
  await expect(page.getByRole("link", { name: "Create one" })).toHaveAttribute("href", "/register");
  await expect(page.locator(".form-message")).toHaveCount(0);

  fs.mkdirSync(path.dirname(screenshotPath), { recursive: true });
  await page.screenshot({ path: screenshotPath });
  expect(fs.statSync(screenshotPath).size).toBeGreaterThan(1_000);
});

test("account page screenshots, wide and phone-sized (two sessions: this one and app two's)", async ({ page, newContext }) => {
  const user = uniqueUser();
  await registerViaApi(user);
  await signInViaUi(page, appOne, user);
  await signInViaUi(await (await newContext()).newPage(), appTwo, user);
  for (const [name, viewport] of [["account.png", { width: 960, height: 720 }], ["account-360px.png", { width: 360, height: 740 }]] as const) {
    await page.setViewportSize(viewport);
    await page.goto(`${appOne}/account`);
    await expect(sessionItems(page)).toHaveCount(2);
    await page.screenshot({ path: imagePath(name), fullPage: true });
    expect(fs.statSync(imagePath(name)).size).toBeGreaterThan(1_000);
  }
});
