import fs from "node:fs";
import path from "node:path";
import { appOne, expect, test } from "./fixtures";

// Refreshed on every run, for the README.
const screenshotPath = path.resolve(__dirname, "../../docs/images/login.png");

test("login page screenshot", async ({ page }) => {
  await page.setViewportSize({ width: 960, height: 640 });
  await page.goto(`${appOne}/login`);

  await expect(page).toHaveTitle("Ironlink One");
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await expect(page.getByLabel("Username")).toBeVisible();
  await expect(page.getByLabel("Password")).toHaveAttribute("type", "password");
  await expect(page.getByRole("button", { name: "Sign in" })).toBeEnabled();
  await expect(page.getByRole("link", { name: "Create one" })).toHaveAttribute("href", "/register");
  await expect(page.locator(".form-message")).toHaveCount(0);

  fs.mkdirSync(path.dirname(screenshotPath), { recursive: true });
  await page.screenshot({ path: screenshotPath });
  expect(fs.statSync(screenshotPath).size).toBeGreaterThan(1_000);
});
