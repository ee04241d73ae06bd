import { request as playwrightRequest } from "@playwright/test";
import { appOne, appTwo, apps, expect, expectApiSession, fillCredentials, formMessage, registerViaApi, sessionCookie, test, uniqueUser } from "./fixtures";

const tooMany = "Too many attempts, try again in 15 minutes.";

test.describe("sign-in rate limit", () => {
  test("five wrong passwords for a username, across both apps, lock it out of both, right password or not", async ({ page, context }) => {
    const user = uniqueUser();
    await registerViaApi(user);

    // Alternating apps: the count lives in Redis, shared by the fleet. All five are still plain failures.
    for (let attempt = 1; attempt <= 5; attempt++) {
      const app = attempt % 2 === 1 ? appOne : appTwo;
      await page.goto(`${app}/login`);
      await fillCredentials(page, { ...user, password: `${user.password}-wrong-${attempt}` });
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await expect(formMessage(page), `attempt ${attempt} on ${app}`).toHaveText("Wrong username or password.");
    }

    // The sixth, with the right password, on app two.
    await page.goto(`${appTwo}/login`);
    await fillCredentials(page, user);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(formMessage(page)).toHaveText(tooMany);
    await expect(page).toHaveURL(`${appTwo}/login`);
    expect(await sessionCookie(context)).toBeUndefined();

    // The API says the same, with Retry-After, and sets no cookie; the username's case does not matter.
    const client = await playwrightRequest.newContext();
    try {
      for (const app of apps) {
        const response = await client.post(`${app}/api/login`, { data: { ...user, username: user.username.toUpperCase() } });
        expect(response.status(), app).toBe(429);
        expect(await response.json()).toMatchObject({ error: "too_many_attempts", message: tooMany });
        const retryAfter = Number(response.headers()["retry-after"]);
        expect(retryAfter).toBeGreaterThan(14 * 60);
        expect(retryAfter).toBeLessThanOrEqual(15 * 60);
        expect(response.headers()["set-cookie"]).toBeUndefined();
        await expectApiSession(client, app, null);
      }

      // It is that username that is locked, not the address every test signs in from.
      const other = uniqueUser();
      await registerViaApi(other);
      expect((await client.post(`${appOne}/api/login`, { data: other })).status()).toBe(200);
    } finally {
      await client.dispose();
    }
  });

  test("concurrent guesses cannot slip past the limit together", async () => {
    const user = uniqueUser();
    await registerViaApi(user);
    const client = await playwrightRequest.newContext();
    try {
      // Twenty wrong passwords at once, on both apps: only five may be checked at all. One account hashes
      // at most two at once per app (fair-queue.ts): the others are told "busy" (503, nothing counted) and
      // sent again, at once, as a guesser would.
      const statuses: number[] = [];
      for (let pending = 20, round = 0; pending > 0; round++) {
        const answers = await Promise.all(
          Array.from({ length: pending }, (_, i) =>
            client.post(`${apps[i % 2]}/api/login`, { data: { ...user, password: `${user.password}-guess-${round}-${i}` } }).then((r) => r.status()),
          ),
        );
        statuses.push(...answers.filter((status) => status !== 503));
        pending = answers.filter((status) => status === 503).length;
      }
      expect(statuses.filter((status) => status === 401)).toHaveLength(5);
      expect(statuses.filter((status) => status === 429)).toHaveLength(15);
      expect((await client.post(`${appOne}/api/login`, { data: user })).status()).toBe(429);
    } finally {
      await client.dispose();
    }
  });
});
