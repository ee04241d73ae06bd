import { type APIRequestContext, request as playwrightRequest } from "@playwright/test";
import { expect, test, uniqueUser, type TestUser } from "./fixtures";
import { PrivateFleet } from "./private-fleet";

/**
 * Who the client is, and the limits that hang on it, with the documented defaults (the config's fleet
 * raises the per-address limits, since every test there comes from 127.0.0.1). Two apps of their own, as
 * `npm start` runs them: one with no trusted proxy (the socket's address is the client's), one behind
 * TRUSTED_PROXIES=1 (the hop the proxy appended is). The test plays the proxy by writing that hop.
 */
// Serial, on two fleets of its own; every wrong password is a real scrypt, so the tests get time for them.
test.describe.configure({ mode: "serial", timeout: 120_000 });

let direct: PrivateFleet;
let proxied: PrivateFleet;
let client: APIRequestContext;
const defaults = { RATE_LIMIT_PER_ADDRESS: "", RATE_LIMIT_REGISTRATIONS_PER_ADDRESS: "" };

test.beforeAll(async () => {
  test.setTimeout(120_000);
  [direct, proxied] = await Promise.all([
    PrivateFleet.start({ env: defaults, apps: ["one"] }),
    PrivateFleet.start({ env: { ...defaults, TRUSTED_PROXIES: "1" }, apps: ["one"] }),
  ]);
  client = await playwrightRequest.newContext();
});

test.afterAll(async () => {
  await client?.dispose();
  await Promise.all([direct?.stop(), proxied?.stop()]);
});

const originOf = (fleet: PrivateFleet) => fleet.apps[0]!.origin;
const fresh = (i: number) => `203.0.${Math.floor(i / 250)}.${(i % 250) + 1}`;

function signIn(fleet: PrivateFleet, user: TestUser, forwardedFor?: string) {
  return client.post(`${originOf(fleet)}/api/login`, {
    data: user,
    headers: forwardedFor ? { "x-forwarded-for": forwardedFor } : {},
    failOnStatusCode: false,
  });
}

async function register(fleet: PrivateFleet, user: TestUser, forwardedFor?: string) {
  const response = await client.post(`${originOf(fleet)}/api/register`, { data: user, headers: forwardedFor ? { "x-forwarded-for": forwardedFor } : {} });
  if (response.status() === 201) await client.post(`${originOf(fleet)}/api/logout`);
  return response;
}

/** Wrong passwords for `count` usernames nobody has: the statuses, in order. */
async function spray(fleet: PrivateFleet, count: number, forwardedFor: (i: number) => string): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push((await signIn(fleet, { ...uniqueUser(), password: "Winter2026!!" }, forwardedFor(i))).status());
  return statuses;
}

test("without a trusted proxy, a client's X-Forwarded-For is ignored: spraying from one machine stops at the per-address limit", async () => {
  const statuses = await spray(direct, 24, (i) => fresh(i));
  expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
  expect(statuses.slice(20)).toEqual(Array(4).fill(429));
});

test("registrations are limited per address, a taken name counting like any other", async () => {
  const taken = uniqueUser();
  expect((await register(direct, taken, fresh(100))).status()).toBe(201);
  for (let i = 1; i < 10; i++) {
    const status = (await register(direct, i % 3 === 0 ? taken : uniqueUser(), fresh(100 + i))).status();
    expect(status, `registration ${i + 1}`).toBe(i % 3 === 0 ? 409 : 201);
  }
  const refused = await register(direct, uniqueUser(), fresh(200));
  expect(refused.status()).toBe(429);
  expect(await refused.json()).toMatchObject({ error: "too_many_attempts" });
  expect(Number(refused.headers()["retry-after"])).toBeGreaterThan(60);
});

test("behind a trusted proxy, the hop it appended is the address and the client's own entries are not", async () => {
  const sprayer = "198.51.100.7";
  const statuses = await spray(proxied, 22, (i) => `${fresh(i)}, ${sprayer}`);
  expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
  expect(statuses.slice(20)).toEqual([429, 429]);
  // Another client behind the same proxy is not that address.
  const other = uniqueUser();
  expect((await register(proxied, other, "198.51.100.8")).status()).toBe(201);
  expect((await signIn(proxied, other, "198.51.100.8")).status()).toBe(200);
});

test("IPv6 clients are counted per /64: spraying from every address of one network stops at the per-address limit", async () => {
  // 22 addresses of 2001:db8:1:2::/64, one guess each: one subscriber's network, one budget.
  const statuses = await spray(proxied, 22, (i) => `2001:db8:1:2:${(i + 1).toString(16)}::${(i * 7 + 1).toString(16)}`);
  expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
  expect(statuses.slice(20)).toEqual([429, 429]);
  // The next network over is another client.
  expect((await spray(proxied, 1, () => "2001:db8:1:3::1"))[0]).toBe(401);
});

test("strangers cannot lock the owner out: refused from their address, slowed (seconds) from many, never blocked for the owner", async ({ page }) => {
  const owner = uniqueUser();
  expect((await register(proxied, owner, "198.51.100.20")).status()).toBe(201);
  const wrong = { ...owner, password: `${owner.password}-wrong` };

  // Five wrong guesses from one address lock that address out of this account, right password or not…
  for (let i = 0; i < 5; i++) expect((await signIn(proxied, wrong, "203.0.113.66")).status()).toBe(401);
  expect((await signIn(proxied, owner, "203.0.113.66")).status()).toBe(429);
  // …and not the owner, elsewhere.
  expect((await signIn(proxied, owner, "198.51.100.21")).status()).toBe(200);

  // Guesses from 21 addresses take the username past its limit: from then on one attempt per few seconds.
  for (let i = 0; i < 21; i++) expect((await signIn(proxied, wrong, fresh(300 + i))).status()).toBe(401);
  const slowed = await signIn(proxied, owner, "198.51.100.22");
  expect(slowed.status()).toBe(429);
  const retryAfter = Number(slowed.headers()["retry-after"]);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(10);
  expect((await slowed.json()).message).toMatch(/^Too many attempts, try again in \d+ seconds?\.$/);
  await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000 + 200));
  expect((await signIn(proxied, owner, "198.51.100.22")).status()).toBe(200);

  // While strangers guess, the signed-in owner still changes the password on /account.
  await page.goto(`${originOf(proxied)}/login`);
  await page.getByLabel("Username").fill(owner.username);
  await page.getByLabel("Password").fill(owner.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(`${originOf(proxied)}/`);
  for (let i = 0; i < 25; i++) await signIn(proxied, wrong, fresh(400 + i));
  await page.goto(`${originOf(proxied)}/account`);
  await page.getByLabel("Current password").fill(owner.password);
  await page.getByLabel("New password").fill(`${owner.password}-new`);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Password changed.")).toBeVisible();
});
