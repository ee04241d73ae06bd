import { randomBytes } from "node:crypto";
import {
  appOne,
  apps,
  appTwo,
  expect,
  expectApiSession,
  fillCredentials,
  guardAgainstOffsite,
  newSessionId,
  registerViaUi,
  seal,
  sessionCookieName,
  sessionIdOf,
  signedInAs,
  signInViaUi,
  signOutViaUi,
  test,
  uniqueUser,
} from "./fixtures";
import { type Answer, rawBody, rawRequest, send, stackTrace } from "./http";

/**
 * Hostile and broken input, at both apps: every answer is a clear 4xx (or the success it should be), never
 * a 5xx, never a stack trace, and the apps keep answering afterwards.
 */

const json = "application/json";
const form = "application/x-www-form-urlencoded";
const portOf = (app: string) => Number(new URL(app).port);
const cookieHeader = (value: string) => ({ cookie: `${sessionCookieName}=${value}` });
const expiredNotice = "Your session expired";

function expectClean(answer: { status: number; body: string }, what: string): void {
  expect(answer.status, `${what}: ${answer.body.slice(0, 300)}`).toBeLessThan(500);
  expect(answer.body, `${what}: no stack trace`).not.toMatch(stackTrace);
}

function expectJsonError(answer: Answer, status: number, error: string, what: string): Record<string, unknown> {
  expectClean(answer, what);
  expect(answer.status, `${what}: ${answer.body.slice(0, 300)}`).toBe(status);
  expect(answer.headers.get("content-type"), what).toContain(json);
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  expect(body, what).toMatchObject({ error, message: expect.any(String) });
  return body;
}

function postBody(url: string, body: string | Uint8Array<ArrayBuffer> | FormData, contentType?: string, headers: Record<string, string> = {}): Promise<Answer> {
  return send(url, { method: "POST", headers: { ...(contentType ? { "content-type": contentType } : {}), ...headers }, body });
}

const postJson = (url: string, value: unknown, headers: Record<string, string> = {}) => postBody(url, JSON.stringify(value), json, headers);

/** The session cookie's value in a Set-Cookie of `answer`. */
function sessionValueOf(answer: Answer): string {
  const cookie = answer.headers.getSetCookie().find((value) => value.startsWith(`${sessionCookieName}=`));
  expect(cookie, "session Set-Cookie").toBeDefined();
  return decodeURIComponent(cookie!.slice(sessionCookieName.length + 1).split(";")[0]!);
}

/** The value of the sign-in form's hidden `next` field. */
function hiddenNext(html: string): string | undefined {
  return /name="next" value="([^"]*)"/.exec(html)?.[1]?.replaceAll("&amp;", "&");
}

/** Printable ASCII that is legal in a cookie value (no space, quote, comma, semicolon or backslash). */
function cookieJunk(length: number): string {
  const alphabet = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).filter((c) => !`";,\\`.includes(c));
  return Array.from(randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join("");
}

// The apps survived whatever the test threw at them.
test.afterEach(async () => {
  for (const app of apps) expect((await send(`${app}/api/health`)).status, `${app}/api/health`).toBe(200);
});

test.describe("adversarial cookies", () => {
  test("random, truncated, padded, oversized and foreign seals are nobody, on every route of both apps", async () => {
    const user = uniqueUser();
    const registered = await postJson(`${appOne}/api/register`, user);
    expect(registered.status).toBe(201);
    const valid = sessionValueOf(registered);
    const sid = await sessionIdOf(valid);
    const otherPasswords = { 2: "another-fleet-with-its-very-own-password-0123456789" };
    const randomField = () => randomBytes(24).toString("base64url");

    const cases: [string, string][] = [
      ["empty", ""],
      ["random base64url", randomBytes(48).toString("base64url")],
      ["random printable ASCII", cookieJunk(300)],
      ["malformed percent-encoding", "%E0%A4%A%zz%"],
      ["Fe26.2 with empty fields", "Fe26.2*******~2"],
      ["Fe26.2 with random fields", ["Fe26.2", "2", randomField(), randomField(), randomField(), "", randomField(), randomField()].join("*")],
      ["a truncated seal", valid.slice(0, Math.floor(valid.length / 2))],
      ["a seal without its last character", valid.slice(0, -1)],
      ["a seal + junk", `${valid}junk`],
      ["a seal + another version part", `${valid}~junk`],
      ["a seal + one more field", `${valid}*junk`],
      ["junk + a seal", `junk${valid}`],
      ["a seal claiming the old password", valid.replace(/^Fe26\.2\*2\*/, "Fe26.2*1*")],
      ["a seal claiming an unknown password", valid.replace(/^Fe26\.2\*2\*/, "Fe26.2*7*")],
      ["5 kB", cookieJunk(5 * 1024)],
      ["12 kB", cookieJunk(12 * 1024)],
      ["a session id sealed with another password", await seal({ sid: newSessionId() }, otherPasswords)],
      ["this very session id sealed with another password", await seal({ sid }, otherPasswords)],
      ["iron-session data sealed with another password", await seal({ user: { id: user.username, username: user.username } }, otherPasswords)],
      ["our password, not a session id", await seal({ sid: "../../etc/passwd" })],
      ["our password, a session id and more", await seal({ sid: newSessionId(), admin: true })],
      ["our password, a stored value", await seal({ key: "k", data: { user: { id: "admin", username: "admin" } }, createdAt: Date.now(), touchedAt: Date.now() })],
    ];

    expect(valid.startsWith("Fe26.2*2*"), "the apps seal with password 2").toBe(true);
    for (const [name, value] of cases) {
      expect(value, name).not.toBe(valid);
      await Promise.all(
        apps.map(async (app) => {
          const what = `${name} at ${app}`;
          const headers = cookieHeader(value);
          const session = await send(`${app}/api/session`, { headers });
          expectJsonError(session, 401, "unauthenticated", `${what} GET /api/session`);
          for (const [path, login] of [
            ["/", "/login?next=%2F"],
            ["/account", "/login?next=%2Faccount"],
          ]) {
            const page = await send(`${app}${path}`, { headers });
            expectClean(page, `${what} GET ${path}`);
            expect(page.status, `${what} GET ${path}`).toBe(307);
            expect(page.headers.get("location"), `${what} GET ${path}`).toBe(login);
          }
          const form = await send(`${app}/login`, { headers });
          expectClean(form, `${what} GET /login`);
          expect(form.status, `${what} GET /login`).toBe(200);
          expect(form.body).toContain(">Sign in</button>");
          expect(form.body, `${what}: a forged cookie is nobody, not an expired session`).not.toContain(expiredNotice);
          // Nothing made a session out of it.
          for (const answer of [session, form]) expect(answer.headers.getSetCookie(), what).toEqual([]);
          const logout = await send(`${app}/api/logout`, { method: "POST", headers });
          expectClean(logout, `${what} POST /api/logout`);
          expect(logout.status, `${what} POST /api/logout`).toBe(200);
        }),
      );
    }
    // None of it touched the real session.
    for (const app of apps) {
      const session = await send(`${app}/api/session`, { headers: cookieHeader(valid) });
      expect(session.status).toBe(200);
      expect(JSON.parse(session.body)).toMatchObject({ user: { username: user.username } });
    }
  });

  test("raw bytes in the Cookie header are a 400 or nobody; headers over 16 kB are a 431", async () => {
    const noNewlines = (bytes: Buffer) => Buffer.from(bytes.filter((byte) => byte !== 0x0a && byte !== 0x0d));
    const values: [string, Buffer][] = [
      ["random bytes", noNewlines(randomBytes(256))],
      ["bytes 0x80-0xFF", Buffer.from(Array.from(randomBytes(256), (byte) => byte | 0x80))],
      ["a NUL byte", Buffer.from("Fe26.2*2*\u0000*x", "latin1")],
      ["a DEL byte", Buffer.from("abc\u007fdef", "latin1")],
    ];
    for (const app of apps) {
      for (const [name, value] of values) {
        for (const path of ["/api/session", "/", "/login"]) {
          const answer = await rawRequest(
            portOf(app),
            Buffer.concat([
              Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${portOf(app)}\r\nCookie: ${sessionCookieName}=`),
              value,
              Buffer.from("\r\nConnection: close\r\n\r\n"),
            ]),
          );
          const what = `${name} at ${app}${path}`;
          expect(answer.status, `${what}: ${answer.text.slice(0, 200)}`).toBeDefined();
          expect(answer.status!, what).toBeGreaterThanOrEqual(200);
          expect(answer.status!, what).toBeLessThan(500);
          expect([400, path === "/api/session" ? 401 : path === "/" ? 307 : 200], what).toContain(answer.status);
          expect(rawBody(answer), what).not.toMatch(stackTrace);
        }
      }
      // Node refuses request headers over 16 kB before any app code runs: a 4xx all the same.
      const bigCookie = await send(`${app}/api/session`, { headers: cookieHeader(cookieJunk(17 * 1024)) });
      expect(bigCookie.status).toBe(431);
      const longUrl = await send(`${app}/login?next=${"a".repeat(17 * 1024)}`);
      expect(longUrl.status).toBe(431);
    }
  });
});

test.describe("adversarial bodies", () => {
  /** A JSON object of exactly `bytes` bytes: a long username, so it is invalid input once it is read. */
  const objectOfSize = (bytes: number) => {
    const shell = JSON.stringify({ username: "", password: "password" });
    return JSON.stringify({ username: "a".repeat(bytes - shell.length), password: "password" });
  };

  // [name, content type (none if undefined), body, status, error]
  const cases: [string, string | undefined, string | Uint8Array<ArrayBuffer>, number, string][] = [
    ["20 kB of JSON", json, objectOfSize(20 * 1024), 413, "body_too_large"],
    ["16 kB + 1 byte", json, objectOfSize(16 * 1024 + 1), 413, "body_too_large"],
    ["exactly 16 kB (read, then refused as input)", json, objectOfSize(16 * 1024), 400, "invalid_input"],
    ["1 MB of JSON", json, objectOfSize(1024 * 1024), 413, "body_too_large"],
    ["truncated JSON", json, '{"username": ', 400, "invalid_json"],
    ["single quotes", json, "{'username': 'a', 'password': 'b'}", 400, "invalid_json"],
    ["a trailing comma", json, '{"username":"someone","password":"password",}', 400, "invalid_json"],
    ["two objects", json, '{"username":"a"}{"password":"b"}', 400, "invalid_json"],
    ["NaN", json, "NaN", 400, "invalid_json"],
    ["an empty body", json, "", 400, "invalid_json"],
    // RFC 8259 lets a parser skip a byte-order mark: read, then refused as input.
    ["a byte-order mark", json, '\uFEFF{"username":"ab","password":"password"}', 400, "invalid_input"],
    ["an array", json, "[]", 400, "invalid_body"],
    ["an array of credentials", json, '[{"username":"someone","password":"password"}]', 400, "invalid_body"],
    ["null", json, "null", 400, "invalid_body"],
    ["a number", json, "42", 400, "invalid_body"],
    ["an infinite number", json, "-1e999", 400, "invalid_body"],
    ["a string", json, '"username"', 400, "invalid_body"],
    ["true", json, "true", 400, "invalid_body"],
    ["5000 nested arrays", json, `${"[".repeat(5000)}${"]".repeat(5000)}`, 400, "invalid_body"],
    ["invalid UTF-8", json, Uint8Array.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), 400, "invalid_encoding"],
    ["__proto__ credentials", json, '{"__proto__":{"username":"polluted","password":"polluted-password"}}', 400, "invalid_input"],
    ["constructor.prototype credentials", json, '{"constructor":{"prototype":{"username":"polluted","password":"x"}}}', 400, "invalid_input"],
    ["operator objects", json, '{"username":{"$ne":null},"password":{"$gt":""}}', 400, "invalid_input"],
    ["wrong types", json, '{"username":["someone"],"password":12345678}', 400, "invalid_input"],
    ["text/plain", "text/plain", '{"username":"someone","password":"password"}', 415, "unsupported_media_type"],
    ["text/json", "text/json", '{"username":"someone","password":"password"}', 415, "unsupported_media_type"],
    ["application/jsonx", "application/jsonx", '{"username":"someone","password":"password"}', 415, "unsupported_media_type"],
    ["application/json-patch+json", "application/json-patch+json", "[]", 415, "unsupported_media_type"],
    ["a form", "application/x-www-form-urlencoded", "username=someone&password=password", 415, "unsupported_media_type"],
    ["multipart", "multipart/form-data; boundary=x", '--x\r\nContent-Disposition: form-data; name="username"\r\n\r\nsomeone\r\n--x--\r\n', 415, "unsupported_media_type"],
    ["no content type", undefined, new TextEncoder().encode('{"username":"someone","password":"password"}'), 415, "unsupported_media_type"],
  ];

  test("oversized, malformed, non-object and mistyped bodies get 413, 400 and 415, on login and register", async () => {
    for (const [name, contentType, body, status, error] of cases) {
      await Promise.all(
        apps.flatMap((app) =>
          ["/api/login", "/api/register"].map(async (path) => {
            const answer = await postBody(`${app}${path}`, body, contentType);
            expectJsonError(answer, status, error, `${name} to ${app}${path}`);
            expect(answer.headers.getSetCookie(), `${name} to ${app}${path}`).toEqual([]);
          }),
        ),
      );
    }
    // A real multipart body (FormData picks the boundary) is no better.
    const form = new FormData();
    form.set("username", "someone");
    form.set("password", "password");
    for (const app of apps) expectJsonError(await postBody(`${app}/api/login`, form), 415, "unsupported_media_type", `${app} FormData`);
  });

  test("every route handler reads at most 16 kB: a huge body to logout gets 413 unparsed and stalls nobody", async ({ request: reader }) => {
    const user = uniqueUser();
    expect((await reader.post(`${appOne}/api/register`, { data: user })).status()).toBe(201);
    const nested = `{"everywhere":${"[".repeat(4_900_000)}${"]".repeat(4_900_000)}}`; // 9.8 MB, deeply nested
    const fields = Array.from({ length: 400_000 }, (_, i) => `f${i}=`).join("&"); // 400k fields
    for (const app of apps) {
      // Another user's reads go on while the hostile bodies arrive: the slowest must stay far below the
      // seconds the old parser held everyone for.
      let reading = true;
      const readTimes: number[] = [];
      const reads = (async () => {
        while (reading) {
          const started = performance.now();
          expect((await reader.get(`${app}/api/session`)).status()).toBe(200);
          readTimes.push(performance.now() - started);
        }
      })();
      for (const [body, contentType] of [
        [nested, json],
        [fields, form],
        [objectOfSize(20 * 1024), json],
        [`scope=everywhere&pad=${"x".repeat(16 * 1024)}`, form],
      ] as const) {
        const answer = await postBody(`${app}/api/logout`, body, contentType);
        expectJsonError(answer, 413, "body_too_large", `${app} logout with ${body.length} bytes of ${contentType}`);
      }
      reading = false;
      await reads;
      expect(readTimes.length).toBeGreaterThan(0);
      expect(Math.max(...readTimes), `${app}: slowest read during the hostile bodies`).toBeLessThan(1_000);
    }
    // The reader was never signed out by any of it.
    await expectApiSession(reader, appTwo, user.username);
  });

  test("framing tricks: chunked bodies over 16 kB get 413; a Content-Length that lies gets a 4xx", async () => {
    const big = objectOfSize(20 * 1024);
    const head = (app: string, extra: string) =>
      `POST /api/login HTTP/1.1\r\nHost: 127.0.0.1:${portOf(app)}\r\nContent-Type: application/json\r\nConnection: close\r\n${extra}\r\n`;
    const chunked = (text: string, size = 4096) => {
      let out = "";
      for (let i = 0; i < text.length; i += size) {
        const part = text.slice(i, i + size);
        out += `${Buffer.byteLength(part).toString(16)}\r\n${part}\r\n`;
      }
      return `${out}0\r\n\r\n`;
    };
    for (const app of apps) {
      const port = portOf(app);
      // No Content-Length at all: the handler counts what it reads and stops at the limit.
      const overChunked = await rawRequest(port, head(app, "Transfer-Encoding: chunked\r\n") + chunked(big));
      expect(overChunked.status, overChunked.text.slice(0, 200)).toBe(413);
      expect(JSON.parse(rawBody(overChunked))).toMatchObject({ error: "body_too_large" });
      const smallChunked = await rawRequest(port, head(app, "Transfer-Encoding: chunked\r\n") + chunked('{"username":"x","password":""}', 5));
      expect(smallChunked.status, smallChunked.text.slice(0, 200)).toBe(400);
      expect(JSON.parse(rawBody(smallChunked))).toMatchObject({ error: "invalid_input" });

      // An honest Content-Length over the limit.
      const declared = await rawRequest(port, head(app, `Content-Length: ${Buffer.byteLength(big)}\r\n`) + big);
      expect(declared.status).toBe(413);

      // Lies: HTTP framing goes by the Content-Length, so the server reads what was declared. Claiming
      // less than is sent truncates the JSON and leaves the rest as a malformed next request: a 400. So are
      // contradictory headers. Claiming more than the limit is refused from the header alone, before the
      // body ends early: a 413, like the honest one.
      const lies: [string, string, string, boolean, number][] = [
        ["claims 100 bytes, sends 20 kB", "Content-Length: 100\r\n", big, false, 400],
        ["claims 1 MB, sends 20 kB and stops", "Content-Length: 1048576\r\n", big, true, 413],
        ["Content-Length and chunked", `Content-Length: 5\r\nTransfer-Encoding: chunked\r\n`, chunked(big), false, 400],
        ["two Content-Lengths", `Content-Length: 2\r\nContent-Length: ${Buffer.byteLength(big)}\r\n`, big, false, 400],
        ["a negative Content-Length", "Content-Length: -1\r\n", "{}", false, 400],
        ["a Content-Length that is no number", "Content-Length: 12abc\r\n", "{}", false, 400],
      ];
      for (const [name, extra, body, halfClose, status] of lies) {
        const answer = await rawRequest(port, head(app, extra) + body, { halfClose });
        expect(answer.end, `${name} at ${app}: the server closed the connection`).toBe("closed");
        expect(answer.status, `${name} at ${app}: ${answer.text.slice(0, 200)}`).toBe(status);
        expect(rawBody(answer), name).not.toMatch(stackTrace);
      }
    }
  });

  test("logout ignores a body it cannot read: still a plain sign-out, never a 5xx", async () => {
    for (const app of apps) {
      for (const [contentType, body] of [
        ["text/plain", "junk"],
        [json, '{"everywhere": '],
        [json, "[true]"],
        [json, "null"],
        [json, '{"everywhere":"true"}'],
        [form, "scope=elsewhere&scope=everywhere"],
      ] as const) {
        const answer = await postBody(`${app}/api/logout`, body, contentType);
        expectClean(answer, `${app} logout ${contentType} ${body.slice(0, 20)}`);
        expect(answer.status).toBe(contentType === form ? 303 : 200);
        if (contentType !== form) expect(JSON.parse(answer.body)).toEqual({ signedOut: true, everywhere: false });
      }
    }
  });
});

test.describe("adversarial credentials", () => {
  const badUsernames: [string, unknown][] = [
    ["too short", "ab"],
    ["too long", "a".repeat(33)],
    ["blank", "   "],
    ["a space inside", "user name"],
    ["a tab inside", "user\tname"],
    ["a NUL byte", "user\u0000name"],
    ["a newline", "user\nname"],
    ["an escape sequence", "user\u001b[31m"],
    ["an accent", "usér"],
    ["a titlecase digraph", "ǅemo"],
    ["a Cyrillic look-alike", "аdmin"],
    ["a zero-width space", "admin\u200b"],
    ["a right-to-left override", "\u202Eadmin"],
    ["fullwidth letters", "ａｄｍｉｎ"],
    ["emoji", "🔑🔑🔑🔑"],
    ["a path", "../../etc/passwd"],
    ["markup", "<script>alert(1)</script>"],
    ["SQL", "a'; DROP TABLE users;--"],
    ["a Redis key", "ironlink:session:x"],
    ["a glob", "*"],
    ["an e-mail address", "someone@example.com"],
    ["a leading dot", ".someone"],
    ["a leading dash", "-someone"],
    ["a number", 12345],
    ["null", null],
    ["an array", ["someone"]],
    ["an object", { toString: "someone" }],
  ];

  test("bad usernames get 400 with a username error on register and login, on both apps", async () => {
    const password = uniqueUser().password;
    for (const [name, username] of badUsernames) {
      await Promise.all(
        apps.flatMap((app) =>
          ["/api/register", "/api/login"].map(async (path) => {
            const what = `${name} (${JSON.stringify(username)}) at ${app}${path}`;
            const answer = await postJson(`${app}${path}`, { username, password });
            const body = expectJsonError(answer, 400, "invalid_input", what);
            expect(body.fieldErrors, what).toEqual({ username: expect.any(String) });
            expect(answer.headers.getSetCookie(), what).toEqual([]);
          }),
        ),
      );
    }
  });

  test("unicode passwords work end to end across both apps; normalisation does not lock anyone out", async () => {
    const user = { username: uniqueUser().username, password: "pässwörd 🔑 ключ" };
    const registered = await postJson(`${appOne}/api/register`, user);
    expect(registered.status, registered.body).toBe(201);
    const first = sessionValueOf(registered);
    for (const app of apps) {
      const session = await send(`${app}/api/session`, { headers: cookieHeader(first) });
      expect(JSON.parse(session.body)).toMatchObject({ user: { username: user.username } });
    }
    // The same characters typed another way (decomposed umlauts) are the same password.
    for (const password of [user.password, user.password.normalize("NFD")]) {
      const login = await postJson(`${appTwo}/api/login`, { ...user, password });
      expect(login.status, `${JSON.stringify(password)}: ${login.body}`).toBe(200);
      const session = await send(`${appOne}/api/session`, { headers: cookieHeader(sessionValueOf(login)) });
      expect(JSON.parse(session.body)).toMatchObject({ user: { username: user.username } });
    }
    // Near misses are wrong passwords.
    for (const password of ["passwörd 🔑 ключ", "pässwörd 🔑 ключ ", "pässwörd 🔐 ключ", "PÄSSWÖRD 🔑 КЛЮЧ"]) {
      expectJsonError(await postJson(`${appTwo}/api/login`, { ...user, password }), 401, "invalid_credentials", JSON.stringify(password));
    }
  });

  test("a unicode password through the forms: register on one app, sign in on the other", async ({ page }) => {
    const user = { username: uniqueUser().username, password: "пароль-ñandú-🔑-密码" };
    await registerViaUi(page, appTwo, user);
    await signOutViaUi(page, appTwo);
    await signInViaUi(page, appOne, user);
    await page.goto(`${appTwo}/`);
    await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
  });

  test("long passwords and control characters are refused at once with a 400, not a slow 5xx", async () => {
    const user = uniqueUser();
    const cases: [string, unknown, string][] = [
      ["10 kB", "p".repeat(10 * 1024), "Use at most 256 characters."],
      ["257 characters", "p".repeat(257), "Use at most 256 characters."],
      // Characters are code points: 256 emoji would pass, 257 do not.
      ["257 emoji (514 UTF-16 units)", "🔑".repeat(257), "Use at most 256 characters."],
      ["a NUL byte", "pass\u0000word-123", "The password cannot contain control characters."],
      ["a newline", "pass\nword-123", "The password cannot contain control characters."],
      ["a DEL", "pass\u007fword-123", "The password cannot contain control characters."],
      ["empty", "", "Enter a password."],
      ["a number", 12345678, "Enter a password."],
      ["an object", { length: 8 }, "Enter a password."],
    ];
    for (const app of apps) {
      for (const path of ["/api/register", "/api/login"]) {
        for (const [name, password, message] of cases) {
          const what = `${name} at ${app}${path}`;
          const answer = await postJson(`${app}${path}`, { username: user.username, password });
          const body = expectJsonError(answer, 400, "invalid_input", what);
          expect(body.fieldErrors, what).toEqual({ password: message });
          expect(answer.ms, `${what}: refused before any hashing`).toBeLessThan(1_000);
        }
      }
    }
    // The limit itself is allowed.
    const longest = { username: user.username, password: "p".repeat(256) };
    expect((await postJson(`${appOne}/api/register`, longest)).status).toBe(201);
    expect((await postJson(`${appTwo}/api/login`, longest)).status).toBe(200);
  });
});

// Raw query strings, as an attacker would write them in a link.
const hostileNext = [
  "//evil.example",
  "/\\evil.example",
  "javascript:alert(1)",
  "%2F%2Fevil.example",
  "/%5Cevil.example",
  "https:evil.example",
  "/%09/evil.example",
  "/\t/evil.example",
  "///evil.example",
  "https://evil.example",
  "\\\\evil.example",
  // Dot segments that resolve to "//evil.example".
  "/.//evil.example",
  "/a/..//evil.example",
  "/%2e%2e//evil.example",
  "%2F.%2F%2Fevil.example",
];

test.describe("adversarial next=", () => {
  test("GET /login and /register with a hostile next: 200, and the form returns to this app only", async () => {
    for (const app of apps) {
      for (const raw of hostileNext) {
        for (const page of ["/login", "/register"]) {
          const answer = await send(`${app}${page}?next=${raw}`);
          expectClean(answer, `${app}${page}?next=${raw}`);
          expect(answer.status, `${app}${page}?next=${raw}`).toBe(200);
          expect(hiddenNext(answer.body), `${app}${page}?next=${raw}`).toBe("/");
          // Next's router state may quote the URL; no link, form or script may point off-site.
          expect(answer.body).not.toMatch(/(href|src|action|content)="[^"]*evil\.example/i);
        }
      }
      // What is harmless is kept.
      expect(hiddenNext((await send(`${app}/login?next=%2Faccount%3Ftab%3D1`)).body)).toBe("/account?tab=1");
    }
  });

  test("signed in, GET /login?next= and /api/session/migrate?next= redirect to this app only", async () => {
    const user = uniqueUser();
    const registered = await postJson(`${appOne}/api/register`, user);
    const headers = cookieHeader(sessionValueOf(registered));
    for (const app of apps) {
      for (const raw of hostileNext) {
        const login = await send(`${app}/login?next=${raw}`, { headers });
        expectClean(login, `${app}/login?next=${raw}`);
        expect(login.status, `${app}/login?next=${raw}`).toBe(307);
        expect(login.headers.get("location"), `${app}/login?next=${raw}`).toBe("/");
        for (const cookie of [headers, {}]) {
          const migrate = await send(`${app}/api/session/migrate?next=${raw}`, { headers: cookie });
          expectClean(migrate, `${app}/api/session/migrate?next=${raw}`);
          expect(migrate.status, `${app}/api/session/migrate?next=${raw}`).toBe(303);
          expect(migrate.headers.get("location"), `${app}/api/session/migrate?next=${raw}`).toBe("/");
        }
      }
    }
  });

  test("signing in through the form with a hostile next ends on the app's own origin", async ({ newContext }) => {
    const user = uniqueUser();
    expect((await postJson(`${appTwo}/api/register`, user)).status).toBe(201);
    // The values next-redirect.spec.ts does not already drive through a browser.
    const values = ["/%5Cevil.example", "///evil.example", "/.//evil.example", "/%2e%2e//evil.example"];
    for (const [i, raw] of values.entries()) {
      const app = apps[i % 2]!;
      const context = await newContext();
      const page = await context.newPage();
      const { offsite, dialogs } = await guardAgainstOffsite(context, page);
      await page.goto(`${app}/login?next=${raw}`);
      await expect(page.locator('input[name="next"]')).toHaveValue("/");
      await fillCredentials(page, user);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await expect(page, `next=${raw}`).toHaveURL(`${app}/`);
      await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
      // Signed in, the login page passes `next` on at once: the same check.
      await page.goto(`${app}/login?next=${raw}`);
      await expect(page, `signed in, next=${raw}`).toHaveURL(`${app}/`);
      expect(offsite, `next=${raw}`).toEqual([]);
      expect(dialogs, `next=${raw}`).toEqual([]);
    }
  });
});

test.describe("adversarial requests", () => {
  test("wrong methods get 405, HEAD answers like GET without a body, OPTIONS lists what is allowed", async () => {
    const cases: [string, string, number][] = [
      ["GET", "/api/login", 405],
      ["GET", "/api/register", 405],
      ["GET", "/api/logout", 405],
      ["HEAD", "/api/login", 405],
      ["HEAD", "/api/register", 405],
      ["HEAD", "/api/logout", 405],
      ["PUT", "/api/login", 405],
      ["PATCH", "/api/register", 405],
      ["DELETE", "/api/logout", 405],
      ["POST", "/api/session", 405],
      ["DELETE", "/api/session", 405],
      ["POST", "/api/health", 405],
      ["PUT", "/api/session/migrate", 405],
      ["HEAD", "/api/session", 401],
      ["HEAD", "/api/health", 200],
      ["HEAD", "/login", 200],
      ["HEAD", "/register", 200],
      ["HEAD", "/", 307],
      ["HEAD", "/account", 307],
      ["OPTIONS", "/api/login", 204],
      ["OPTIONS", "/api/session", 204],
    ];
    for (const app of apps) {
      for (const [method, path, status] of cases) {
        const answer = await send(`${app}${path}`, { method });
        expectClean(answer, `${method} ${app}${path}`);
        expect(answer.status, `${method} ${app}${path}`).toBe(status);
        if (method === "HEAD") expect(answer.body, `${method} ${app}${path}`).toBe("");
      }
      expect((await send(`${app}/api/login`, { method: "OPTIONS" })).headers.get("allow")).toBe("OPTIONS, POST");
      expect((await send(`${app}/api/session`, { method: "OPTIONS" })).headers.get("allow")).toBe("GET, HEAD, OPTIONS");
    }
  });

  test("unknown /api paths are 404, whatever the method", async () => {
    const paths = ["/api", "/api/nope", "/api/login/extra", "/api/LOGIN", "/api/session/migrate/x", "/api/health/x", "/api/session%00", `/api/${"a".repeat(4096)}`];
    for (const app of apps) {
      for (const path of paths) {
        for (const method of ["GET", "POST"]) {
          const answer = await send(`${app}${path}`, { method, ...(method === "POST" ? { headers: { "content-type": json }, body: "{}" } : {}) });
          expectClean(answer, `${method} ${app}${path}`);
          expect(answer.status, `${method} ${app}${path}`).toBe(404);
        }
      }
    }
  });

  test("pages take junk in the query and in Next's own headers without a 5xx", async () => {
    const junk = cookieJunk(5 * 1024).replaceAll("#", "").replaceAll("&", "").replaceAll("%", "");
    for (const app of apps) {
      for (const page of ["/login", "/register"]) {
        const long = await send(`${app}${page}?next=${encodeURIComponent(junk)}`);
        expectClean(long, `${page}?next=<5 kB of junk>`);
        expect(long.status).toBe(200);
        expect(hiddenNext(long.body)).toBe("/");
        for (const query of [`next=${junk}`, "next=/a&next=//evil.example", "next[]=/x", "%zz=1&next=%zz", `next=/${"a".repeat(3000)}`, "next=%00", "next=%F0%9F"]) {
          const answer = await send(`${app}${page}?${query}`);
          expectClean(answer, `${page}?${query.slice(0, 60)}`);
          expect(answer.status, `${page}?${query.slice(0, 60)}`).toBe(200);
          expect(hiddenNext(answer.body), `${page}?${query.slice(0, 60)}`).toBe("/");
        }
      }
      // Made-up router state: Next answers for itself, never with a 5xx.
      const routerHeaders: Record<string, string>[] = [{ rsc: "1", "next-router-state-tree": "junk" }, { rsc: "1", "next-router-state-tree": "%7B%22" }, { rsc: "1", "next-router-prefetch": "1", "next-router-segment-prefetch": "/../junk" }];
      for (const headers of routerHeaders) {
        const answer = await send(`${app}/login`, { headers });
        expectClean(answer, `${app}/login ${JSON.stringify(headers)}`);
      }
      const longPath = await send(`${app}/${"a".repeat(8 * 1024)}`);
      expectClean(longPath, "8 kB path");
      expect(longPath.status).toBe(404);
    }
  });
});
