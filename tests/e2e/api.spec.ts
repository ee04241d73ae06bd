import { request as playwrightRequest, type APIRequestContext, type APIResponse } from "@playwright/test";
import { appOne, appTwo, apps, expect, expectApiSession, sessionCookieName, test as base, uniqueUser } from "./fixtures";

/** `newClient()`: an API client with its own cookie jar, like a separate curl session; disposed after the test. */
const test = base.extend<{ newClient: (options?: Parameters<typeof playwrightRequest.newContext>[0]) => Promise<APIRequestContext> }>({
  newClient: async ({}, use) => {
    const clients: APIRequestContext[] = [];
    await use(async (options) => {
      const client = await playwrightRequest.newContext(options);
      clients.push(client);
      return client;
    });
    await Promise.all(clients.map((client) => client.dispose()));
  },
});

const setCookies = (response: APIResponse) =>
  response
    .headersArray()
    .filter((header) => header.name.toLowerCase() === "set-cookie")
    .map((header) => header.value);

/** The session cookie's value as sent back in a Cookie header. */
function sessionValue(response: APIResponse): string {
  const cookie = setCookies(response).find((value) => value.startsWith(`${sessionCookieName}=`));
  expect(cookie, "session Set-Cookie").toBeDefined();
  return cookie!.slice(sessionCookieName.length + 1).split(";")[0]!;
}

test.describe("JSON API", () => {
  test("register, session on both apps, logout ends it on both", async ({ newClient }) => {
    const user = uniqueUser();
    const client = await newClient();

    const registered = await client.post(`${appOne}/api/register`, { data: user });
    expect(registered.status()).toBe(201);
    expect(await registered.json()).toEqual({ user: { id: user.username, username: user.username } });
    expect(registered.headers()["cache-control"]).toContain("no-store");
    const [cookie, ...more] = setCookies(registered);
    expect(more).toEqual([]);
    expect(cookie).toMatch(new RegExp(`^${sessionCookieName}=Fe26\\.2\\*`));
    const attributes = cookie!.split(";").slice(1).map((part) => part.trim().toLowerCase());
    expect(attributes).toEqual(expect.arrayContaining(["httponly", "samesite=lax", "path=/", "secure"]));
    expect(attributes.some((attribute) => attribute.startsWith("domain="))).toBe(false);
    const value = sessionValue(registered);

    for (const app of apps) {
      const session = await client.get(`${app}/api/session`);
      expect(session.status()).toBe(200);
      const body = await session.json();
      expect(body).toEqual({ user: { id: user.username, username: user.username }, signedInAt: expect.any(Number) });
      expect(Math.abs(body.signedInAt - Date.now())).toBeLessThan(60_000);
    }
    const anonymous = await newClient();
    for (const app of apps) await expectApiSession(anonymous, app, null);

    const loggedOut = await client.post(`${appTwo}/api/logout`);
    expect(loggedOut.status()).toBe(200);
    expect(await loggedOut.json()).toEqual({ signedOut: true, everywhere: false });
    expect(setCookies(loggedOut).join("\n")).toMatch(new RegExp(`^${sessionCookieName}=;.*Max-Age=0`, "m"));
    for (const app of apps) await expectApiSession(client, app, null);

    // Not just a cleared cookie: the session is gone from Redis, so the old value is refused too.
    const replay = await newClient({ extraHTTPHeaders: { cookie: `${sessionCookieName}=${value}` } });
    for (const app of apps) await expectApiSession(replay, app, null);
  });

  test('logout {"everywhere": true} ends every session of the user, not other users\'', async ({ newClient }) => {
    const user = uniqueUser();
    const first = await newClient();
    expect((await first.post(`${appOne}/api/register`, { data: user })).status()).toBe(201);
    const second = await newClient();
    expect((await second.post(`${appTwo}/api/login`, { data: user })).status()).toBe(200);
    const someoneElse = await newClient();
    const other = uniqueUser();
    expect((await someoneElse.post(`${appTwo}/api/register`, { data: other })).status()).toBe(201);

    const loggedOut = await second.post(`${appTwo}/api/logout`, { data: { everywhere: true } });
    expect(loggedOut.status()).toBe(200);
    expect(await loggedOut.json()).toEqual({ signedOut: true, everywhere: true });
    expect(loggedOut.headers()["clear-site-data"]).toBe('"cookies"');
    for (const app of apps) {
      await expectApiSession(first, app, null);
      await expectApiSession(second, app, null);
      await expectApiSession(someoneElse, app, other.username);
    }
  });

  test("login: right password 200 with a cookie, wrong password 401 without", async ({ newClient }) => {
    const user = uniqueUser();
    expect((await (await newClient()).post(`${appTwo}/api/register`, { data: user })).status()).toBe(201);

    const client = await newClient();
    const wrong = await client.post(`${appOne}/api/login`, { data: { ...user, password: `${user.password}x` } });
    expect(wrong.status()).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: "invalid_credentials", message: "Wrong username or password." });
    expect(setCookies(wrong)).toEqual([]);
    const unknown = await client.post(`${appOne}/api/login`, { data: uniqueUser() });
    expect(unknown.status()).toBe(401);
    for (const app of apps) await expectApiSession(client, app, null);

    const right = await client.post(`${appOne}/api/login`, { data: { ...user, username: ` ${user.username.toUpperCase()} ` } });
    expect(right.status()).toBe(200);
    expect(await right.json()).toEqual({ user: { id: user.username, username: user.username } });
    sessionValue(right);
    for (const app of apps) await expectApiSession(client, app, user.username);
  });

  test("POSTs from a foreign Origin are refused without touching the session", async ({ newClient }) => {
    const user = uniqueUser();
    const victim = await newClient();
    expect((await victim.post(`${appOne}/api/register`, { data: user })).status()).toBe(201);

    const evil = { origin: "https://evil.example" };
    for (const app of apps) {
      const login = await victim.post(`${app}/api/login`, { data: user, headers: evil });
      expect(login.status()).toBe(403);
      expect(await login.json()).toMatchObject({ error: "forbidden_origin" });
      expect(setCookies(login)).toEqual([]);

      const register = await victim.post(`${app}/api/register`, { data: uniqueUser(), headers: evil });
      expect(register.status()).toBe(403);
      expect(setCookies(register)).toEqual([]);

      // A cross-site logout would be a nuisance attack: it must not end the session either.
      const logout = await victim.post(`${app}/api/logout`, { headers: evil });
      expect(logout.status()).toBe(403);
      expect(setCookies(logout)).toEqual([]);
    }
    for (const app of apps) await expectApiSession(victim, app, user.username);

    // "null" (sandboxed frames, some redirects) is no better; a fleet app's origin is fine.
    const opaque = await (await newClient()).post(`${appOne}/api/login`, { data: user, headers: { origin: "null" } });
    expect(opaque.status()).toBe(403);
    const cookieless = await (await newClient()).post(`${appOne}/api/login`, { data: user, headers: { "sec-fetch-site": "cross-site" } });
    expect(cookieless.status()).toBe(403);
    const sibling = await (await newClient()).post(`${appOne}/api/login`, { data: user, headers: { origin: appTwo } });
    expect(sibling.status()).toBe(200);
  });

  test("the Origin must be a fleet origin exactly: the same host on another scheme or port is refused (login CSRF)", async ({ newClient }) => {
    const user = uniqueUser();
    expect((await (await newClient()).post(`${appOne}/api/register`, { data: user })).status()).toBe(201);
    for (const app of apps) {
      const { hostname, port } = new URL(app);
      for (const origin of [`https://${hostname}:${port}`, `http://${hostname}:${Number(port) + 1}`, `http://localhost:${port}`]) {
        const client = await newClient();
        const login = await client.post(`${app}/api/login`, { data: user, headers: { origin } });
        expect(login.status(), `${origin} → ${app}`).toBe(403);
        expect(setCookies(login), origin).toEqual([]);
        await expectApiSession(client, app, null);
      }
    }
  });

  test("register: taken name 409, invalid input 400", async ({ newClient }) => {
    const user = uniqueUser();
    const client = await newClient();
    expect((await client.post(`${appOne}/api/register`, { data: user })).status()).toBe(201);

    const other = await newClient();
    const taken = await other.post(`${appTwo}/api/register`, { data: { username: user.username.toUpperCase(), password: uniqueUser().password } });
    expect(taken.status()).toBe(409);
    expect(await taken.json()).toMatchObject({ error: "username_taken" });
    expect(setCookies(taken)).toEqual([]);

    const invalid = await other.post(`${appOne}/api/register`, { data: { username: "x", password: "short" } });
    expect(invalid.status()).toBe(400);
    expect(await invalid.json()).toMatchObject({
      error: "invalid_input",
      fieldErrors: { username: expect.any(String), password: "Use at least 12 characters." },
    });
    const wrongTypes = await other.post(`${appOne}/api/login`, { data: { username: 42, password: ["a"] } });
    expect(wrongTypes.status()).toBe(400);
    for (const app of apps) await expectApiSession(other, app, null);
  });

  test("bodies: non-JSON 415, malformed JSON 400, non-object 400", async ({ newClient }) => {
    const client = await newClient();
    // Buffers, because Playwright JSON-encodes a string body sent as application/json.
    for (const path of ["/api/login", "/api/register"]) {
      const text = await client.post(`${appOne}${path}`, { headers: { "content-type": "text/plain" }, data: '{"username":"a"}' });
      expect(text.status(), `${path} text/plain`).toBe(415);
      expect(await text.json()).toMatchObject({ error: "unsupported_media_type" });
      const form = await client.post(`${appOne}${path}`, { form: { username: "someone", password: "password123" } });
      expect(form.status(), `${path} form`).toBe(415);

      const malformed = await client.post(`${appOne}${path}`, { headers: { "content-type": "application/json" }, data: Buffer.from('{"username": ') });
      expect(malformed.status(), `${path} malformed`).toBe(400);
      expect(await malformed.json()).toMatchObject({ error: "invalid_json" });

      const array = await client.post(`${appOne}${path}`, { headers: { "content-type": "application/json" }, data: Buffer.from("[1,2]") });
      expect(array.status(), `${path} array`).toBe(400);
      expect(await array.json()).toMatchObject({ error: "invalid_body" });
    }
  });

  test("health: 200 with Redis ok on both apps", async ({ newClient }) => {
    const client = await newClient();
    for (const app of apps) {
      const health = await client.get(`${app}/api/health`);
      expect(health.status()).toBe(200);
      expect(await health.json()).toMatchObject({ status: "ok", redis: "ok" });
    }
  });
});
