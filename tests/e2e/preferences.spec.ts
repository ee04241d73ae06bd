import type { Page } from "@playwright/test";
import { appOne, appTwo, expect, registerViaUi, test, uniqueUser } from "./fixtures";

/**
 * The demo apps' own session field (apps/two/lib/preferences.ts, apps/one/lib/preferences.ts): App Two saves
 * a theme into the fleet's shared session with a server action; App One applies it on its pages and reports
 * it at GET /api/preferences.
 */

const themeForm = (page: Page) => page.locator("form.theme-form");

/** Picks `theme` on App Two's home page (open) and saves it, through the server action. */
async function submitTheme(page: Page, theme: string): Promise<void> {
  await page.getByRole("radio", { name: theme }).check();
  await themeForm(page).getByRole("button", { name: "Save theme" }).click();
}

async function saveThemeOnAppTwo(page: Page, theme: string): Promise<void> {
  await openAppTwo(page);
  await submitTheme(page, theme);
}

/** App Two's home page, hydrated: React would reset a field changed before it takes the page over. */
async function openAppTwo(page: Page): Promise<void> {
  await page.goto(`${appTwo}/`);
  await expect.poll(() => themeForm(page).evaluate((form) => Object.keys(form).some((key) => key.startsWith("__reactFiber")))).toBe(true);
}

async function expectAppOneTheme(page: Page, theme: "light" | "dark"): Promise<void> {
  for (const path of ["/", "/account"]) {
    await page.goto(`${appOne}${path}`);
    await expect(page.locator(".theme-mark"), `${path} of App One`).toHaveClass(`theme-mark theme-${theme}`);
    // Worn, not only named: the page's background is the theme's.
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background, `${path} of App One`).toBe(theme === "dark" ? "rgb(17, 24, 39)" : "rgb(243, 244, 246)");
  }
  const answer = await page.request.get(`${appOne}/api/preferences`);
  expect(answer.status()).toBe(200);
  expect(answer.headers()["cache-control"]).toBe("no-store");
  expect(await answer.json()).toEqual({ theme });
}

test.describe("a preference one app writes into the shared session and another reads", () => {
  test("a theme picked on App Two is applied on App One's pages and reported by its route handler", async ({ page, newContext }) => {
    await registerViaUi(page, appOne, uniqueUser());
    await expectAppOneTheme(page, "light");

    await saveThemeOnAppTwo(page, "dark");
    await expect(themeForm(page).getByRole("status")).toHaveText("Saved: App One now shows the dark theme.");
    await expectAppOneTheme(page, "dark");
    // And back: App Two's form shows the saved choice.
    await page.goto(`${appTwo}/`);
    await expect(page.getByRole("radio", { name: "dark" })).toBeChecked();
    await saveThemeOnAppTwo(page, "light");
    await expect(themeForm(page).getByRole("status")).toHaveText("Saved: App One now shows the light theme.");
    await expectAppOneTheme(page, "light");

    // Someone signed out gets no one's theme: the route handler asks to sign in.
    const stranger = (await newContext()).request;
    const answer = await stranger.get(`${appOne}/api/preferences`);
    expect(answer.status()).toBe(401);
    expect(await answer.json()).toMatchObject({ error: "unauthenticated" });
  });

  test("a theme that is not one of the known ones is refused with a message, and nothing is saved", async ({ page }) => {
    await registerViaUi(page, appOne, uniqueUser());
    await openAppTwo(page);
    // A tampered form: the "dark" choice sends "neon" instead (changed once picked: React resets it on a change).
    const dark = page.getByRole("radio", { name: "dark" });
    await dark.check();
    await dark.evaluate((radio) => ((radio as HTMLInputElement).value = "neon"));
    await themeForm(page).getByRole("button", { name: "Save theme" }).click();
    await expect(themeForm(page).getByRole("alert")).toHaveText("Choose one of the themes: light or dark.");
    await expect(themeForm(page).getByRole("status")).toHaveCount(0);
    await expectAppOneTheme(page, "light");
  });

  test("a save from an origin outside APP_ORIGINS is refused (the kit's CSRF check), and nothing is saved", async ({ page }) => {
    await registerViaUi(page, appOne, uniqueUser());
    // Next.js lets a server action through when the Origin's host is the request's, whatever the scheme:
    // the kit's check wants the exact origin, so https://<App Two's host> must be refused.
    const foreignOrigin = appTwo.replace(/^http:/, "https:");
    // The browser will not send another Origin: Playwright's client sends the action's request instead.
    await page.route(`${appTwo}/`, async (route) => {
      if (route.request().method() !== "POST") return route.continue();
      await route.fulfill({ response: await route.fetch({ headers: { ...route.request().headers(), origin: foreignOrigin } }) });
    });
    await saveThemeOnAppTwo(page, "dark");
    await expect(themeForm(page).getByRole("alert")).toContainText(/cross-site|APP_ORIGINS/i);
    await page.unroute(`${appTwo}/`);
    await expectAppOneTheme(page, "light");
  });
});
