import type { Page } from "@playwright/test";
import {
  appOne,
  appTwo,
  apps,
  expect,
  expectApiSession,
  expectExpiredOnPage,
  expectSignedInOnPage,
  expectSignedOutOnPage,
  fillCredentials,
  formMessage,
  redisKeyOf,
  registerViaApi,
  sessionCookie,
  sessionIdOf,
  sessionItems,
  signedInAs,
  signInViaUi,
  storeKeyFor,
  test,
  uniqueUser,
  userIndexKey,
  type TestUser,
} from "./fixtures";

/** Two browsers ("devices") signed in as the same user: A on app one (the test's page), B on app two. */
async function twoDevices(page: Page, newBrowserPage: () => Promise<Page>, user: TestUser, appA = appOne, appB = appTwo) {
  await registerViaApi(user);
  const b = await newBrowserPage();
  await signInViaUi(page, appA, user);
  await signInViaUi(b, appB, user);
  return { a: page, b };
}

const currentItem = (page: Page) => sessionItems(page).and(page.locator('[data-current="true"]'));
const otherItems = (page: Page) => sessionItems(page).and(page.locator(':not([data-current="true"])'));

test.describe("/account: the user's sessions on every device", () => {
  test("lists both devices, this one marked; sign out everywhere ends the other device's session too", async ({ page, newContext, redis }) => {
    const user = uniqueUser();
    const { a, b } = await twoDevices(page, async () => (await newContext()).newPage(), user);

    await a.goto(`${appOne}/account`);
    await expect(signedInAs(a)).toHaveText(`Signed in as ${user.username}`);
    await expect(sessionItems(a)).toHaveCount(2);
    await expect(currentItem(a)).toHaveCount(1);
    await expect(currentItem(a)).toContainText("(this device)");
    await expect(currentItem(a)).toContainText("on Ironlink One");
    await expect(otherItems(a)).toContainText("on Ironlink Two");
    await expect(otherItems(a)).not.toContainText("(this device)");

    await a.getByRole("button", { name: "Sign out everywhere" }).click();
    await expect(a).toHaveURL(`${appOne}/login`);
    expect(await sessionCookie(a.context())).toBeUndefined();
    await expectSignedOutOnPage(a, appOne);

    // B kept its cookie, but its session is gone from Redis: its next visit is a "session expired".
    await expectExpiredOnPage(b, appTwo);
    for (const app of apps) await expectApiSession(b.request, app, null);
    expect(await redis.exists(userIndexKey(user.username))).toBe(0);
  });

  test("on a phone-sized screen each session's button and dates stay on one line, and one button only is called Sign out", async ({ page, newContext }) => {
    const user = uniqueUser();
    const { a } = await twoDevices(page, async () => (await newContext()).newPage(), user);
    await a.setViewportSize({ width: 360, height: 740 });
    await a.goto(`${appOne}/account`);
    await expect(sessionItems(a)).toHaveCount(2);
    // Line boxes of each element's text: 1 when it did not wrap.
    const lines = (selector: string) =>
      a.locator(selector).evaluateAll((elements) =>
        elements.map((element) => {
          const range = document.createRange();
          range.selectNodeContents(element);
          return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
        }),
      );
    const dates = await lines(".session-item time");
    expect(dates).toHaveLength(4); // signed in, last seen: two sessions
    expect(dates.every((count) => count === 1), `lines per date: ${dates}`).toBe(true);
    expect(await lines(".session-item button")).toEqual([1]);
    // …and inside its card, not over its edge.
    const [button, card] = await Promise.all([otherItems(a).getByRole("button").boundingBox(), otherItems(a).boundingBox()]);
    expect(button!.x + button!.width).toBeLessThanOrEqual(card!.x + card!.width);
    // This device's "Sign out" (the header) and another session's "End session" are told apart.
    await expect(a.getByRole("button", { name: "Sign out", exact: true })).toHaveCount(1);
    await expect(otherItems(a).getByRole("button", { name: "End session", exact: true })).toHaveCount(1);
    await a.screenshot({ path: test.info().outputPath("account-360px.png"), fullPage: true });
  });

  test("signing out another device from app one ends it on app two at its very next request", async ({ page, newContext }) => {
    const user = uniqueUser();
    const { a, b } = await twoDevices(page, async () => (await newContext()).newPage(), user);
    const cookieA = (await sessionCookie(a.context()))!;

    await a.goto(`${appOne}/account`);
    await expect(sessionItems(a)).toHaveCount(2);
    // Only the other session can be signed out from the list; this device uses the sign-out buttons.
    await expect(currentItem(a).getByRole("button")).toHaveCount(0);
    await otherItems(a).getByRole("button", { name: "End session", exact: true }).click();

    await expect(sessionItems(a)).toHaveCount(1);
    await expect(currentItem(a)).toContainText("(this device)");
    await expect(a).toHaveURL(`${appOne}/account`);

    await expectExpiredOnPage(b, appTwo);
    for (const app of apps) await expectApiSession(b.request, app, null);

    // A is untouched: same cookie, signed in on both apps.
    expect((await sessionCookie(a.context()))!.value).toBe(cookieA.value);
    for (const app of apps) {
      await expectSignedInOnPage(a, app, user.username);
      await expectApiSession(a.request, app, user.username);
    }
  });

  test("a forged session id in the sign-out form cannot end another user's session", async ({ page, newContext }) => {
    const user = uniqueUser();
    const { a, b } = await twoDevices(page, async () => (await newContext()).newPage(), user);
    const victim = uniqueUser();
    const victimPage = await (await newContext()).newPage();
    await registerViaApi(victim);
    await signInViaUi(victimPage, appTwo, victim);
    const victimPublicId = storeKeyFor(await sessionIdOf((await sessionCookie(victimPage.context()))!.value));

    await a.goto(`${appOne}/account`);
    await expect(sessionItems(a)).toHaveCount(2);
    const other = otherItems(a);
    await other.locator('input[name="publicId"]').evaluate((input: HTMLInputElement, value) => (input.value = value), victimPublicId);
    // The server action's answer, before anything is checked: a reload sent while it is still in flight
    // would find both sessions alive whatever the action went on to do.
    const answered = a.waitForResponse((response) => response.request().method() === "POST" && new URL(response.url()).pathname === "/account");
    await other.getByRole("button", { name: "End session", exact: true }).click();
    const answer = await answered;
    // It ran (Next's action call, answered), and was given the victim's id, not the listed one.
    expect(answer.request().headers()["next-action"]).toBeTruthy();
    expect(answer.status()).toBe(200);
    expect(answer.request().postData()).toContain(victimPublicId);
    // Next runs the action before it answers: the status above came after it. (Not `answer.finished()`: the
    // answer's RSC stream may stay open while the page lives.)

    // Nothing ended: not the victim's session (not A's user), nor B's (not the one named).
    await a.reload();
    await expect(sessionItems(a)).toHaveCount(2);
    for (const app of apps) {
      await expectApiSession(victimPage.request, app, victim.username);
      await expectApiSession(b.request, app, user.username);
    }
  });

  test("changing the password keeps this device signed in with a new id and signs the others out", async ({ page, newContext, redis }) => {
    const user = uniqueUser();
    // A changes the password on app two this time; B is on app one.
    const { a, b } = await twoDevices(page, async () => (await newContext()).newPage(), user, appTwo, appOne);
    const before = (await sessionCookie(a.context()))!;
    const beforeKey = await redisKeyOf(a.context());
    const newPassword = uniqueUser().password;

    // A wrong current password: an error, and nothing changes.
    await a.goto(`${appTwo}/account`);
    await a.getByLabel("Current password").fill(`${user.password}-wrong`);
    await a.getByLabel("New password").fill(newPassword);
    await a.getByRole("button", { name: "Change password" }).click();
    await expect(formMessage(a)).toHaveText("Your current password is not right.");
    await expect(a.getByLabel("Current password")).toHaveAttribute("aria-invalid", "true");
    await expect(a.locator(".form-success")).toHaveCount(0);
    expect((await sessionCookie(a.context()))!.value).toBe(before.value);
    for (const app of apps) await expectApiSession(b.request, app, user.username);
    await a.reload();
    await expect(sessionItems(a)).toHaveCount(2);

    // The right one.
    await a.getByLabel("Current password").fill(user.password);
    await a.getByLabel("New password").fill(newPassword);
    await a.getByRole("button", { name: "Change password" }).click();
    await expect(a.locator(".form-success")).toHaveText("Password changed. Your other sessions were signed out.");
    await expect(formMessage(a)).toHaveCount(0);
    await expect(sessionItems(a)).toHaveCount(1);
    await expect(sessionItems(a)).toContainText("(this device)");

    // A new session id for A (the old one is gone from Redis), still signed in on both apps.
    const after = (await sessionCookie(a.context()))!;
    expect(after.value).not.toBe(before.value);
    expect(await sessionIdOf(after.value)).not.toBe(await sessionIdOf(before.value));
    expect(await redis.exists(beforeKey)).toBe(0);
    for (const app of apps) {
      await expectSignedInOnPage(a, app, user.username);
      await expectApiSession(a.request, app, user.username);
    }

    // B is out, on both apps.
    await expectExpiredOnPage(b, appOne);
    await expectApiSession(b.request, appTwo, null);

    // The old password no longer signs in; the new one does.
    await b.goto(`${appOne}/login`);
    await fillCredentials(b, user);
    await b.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(formMessage(b)).toHaveText("Wrong username or password.");
    await expectApiSession(b.request, appOne, null);
    await signInViaUi(b, appOne, { ...user, password: newPassword });
    await expectApiSession(b.request, appTwo, user.username);
  });
});
