import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";

// A fleet of its own on the file store, read from the environment as an app reads it.
const dir = mkdtempSync(join(tmpdir(), "ironlink-kit-"));
Object.assign(process.env, { SESSION_STORE: "file", SESSION_FILE_PATH: dir, SESSION_PASSWORD: "kit-test-password-with-at-least-32-chars" });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
vi.mock("server-only", () => ({}));

const { createIronlink } = await import("../src/index");
const { getFleet } = await import("../src/fleet");
const accounts = () => getFleet().accounts;
const { sessions } = await import("../src/session");
const { withSecurityHeaders } = await import("../src/handlers");
const { optionsProblem } = await import("../src/options");

/** A cookie jar of Next's `cookies()` shape. */
function jar() {
  const values = new Map<string, string>();
  return { get: (name: string) => (values.has(name) ? { name, value: values.get(name)! } : undefined), set: (name: string, value: string) => void values.set(name, value) };
}
const context = { address: "192.0.2.1", userAgent: "vitest", app: "Kit test" };

describe("createIronlink", () => {
  it("signs in against the app's own verifyCredentials, with what the person typed, and starts a fleet session", async () => {
    const seen: unknown[] = [];
    const { options } = createIronlink({
      verifyCredentials: async (credentials) => {
        seen.push(credentials);
        return credentials.password === "right password here" ? { id: "u-42", username: "Grace" } : null;
      },
    });
    const wrong = await accounts().signIn(await sessions().getSession(jar()), { username: "grace", password: "wrong" }, context, options);
    expect(wrong).toMatchObject({ ok: false, status: 401 });
    const session = await sessions().getSession(jar());
    const right = await accounts().signIn(session, { username: "grace", password: "right password here" }, context, options);
    expect(right).toEqual({ ok: true, user: { id: "u-42", username: "Grace" } });
    expect(seen).toEqual([{ username: "grace", password: "wrong" }, { username: "grace", password: "right password here" }]);
    expect(session).toMatchObject({ user: { id: "u-42", username: "Grace" }, signedInOn: "Kit test", userAgent: "vitest" });
    expect((await sessions().listSessions("u-42")).length).toBe(1);
  });

  it("turns registration off by default with verifyCredentials, or when asked", async () => {
    const input = { username: "newcomer", password: "a long enough passphrase" };
    const attempt = async (app: ReturnType<typeof createIronlink>) => accounts().register(await sessions().getSession(jar()), input, context, app.options);
    expect(await attempt(createIronlink({ verifyCredentials: async () => null }))).toMatchObject({ ok: false, status: 404, error: "registration_closed" });
    expect(await attempt(createIronlink({ registration: false }))).toMatchObject({ ok: false, status: 404 });
    expect(await attempt(createIronlink())).toMatchObject({ ok: true, user: { username: "newcomer" } });
  });

  it("keeps each instance's options to itself: two apps' instances in one process do not mix", async () => {
    const own = createIronlink({ hostsSignIn: false, publicUrl: "http://127.0.0.1:3000/", protectedPaths: ["/reports"] });
    const other = createIronlink({ registration: false });
    expect(own.options).toMatchObject({ hostsSignIn: false, publicUrl: "http://127.0.0.1:3000", registration: true });
    expect([...own.options.protectedPaths]).toEqual(["/reports"]);
    expect(other.options).toMatchObject({ hostsSignIn: true, publicUrl: undefined, registration: false });
    expect([...other.options.protectedPaths]).toEqual(["/", "/account"]);
  });

  it("needs publicUrl, on one of APP_ORIGINS, for an app that hosts no sign-in page: checked at start, not at build", () => {
    const origins = ["http://127.0.0.1:5000", "http://127.0.0.1:3000"];
    expect(optionsProblem(options({ hostsSignIn: false }), origins)).toMatch(/needs `publicUrl`/);
    expect(optionsProblem(options({ hostsSignIn: false, publicUrl: "http://evil.test" }), origins)).toMatch(/must be one of APP_ORIGINS/);
    expect(optionsProblem(options({ hostsSignIn: false, publicUrl: "http://127.0.0.1:3000" }), origins)).toBeUndefined();
    expect(optionsProblem(options({}), origins)).toBeUndefined();
  });
});

/** The options an instance created with `given` holds. */
const options = (given: Parameters<typeof createIronlink>[0]) => createIronlink(given).options;

describe("handlers", () => {
  const { handlers } = createIronlink();
  const call = (method: "GET" | "POST" | "OPTIONS", path: string) => handlers[method](new Request(`http://127.0.0.1:5000${path}`, { method }));

  it("answers OPTIONS with the methods of each path", async () => {
    expect((await call("OPTIONS", "/api/login")).headers.get("allow")).toBe("OPTIONS, POST");
    expect((await call("OPTIONS", "/api/session")).headers.get("allow")).toBe("GET, HEAD, OPTIONS");
  });

  it("gives an unknown path 404 and a wrong method 405 with Allow", async () => {
    expect((await call("GET", "/api/nope")).status).toBe(404);
    expect((await call("POST", "/api/session/x")).status).toBe(404);
    const wrong = await call("GET", "/api/logout");
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("OPTIONS, POST");
  });

  it("puts the API's security headers on every answer (the proxy does not run on /api/)", async () => {
    const answers = [await call("GET", "/api/nope"), await call("GET", "/api/logout"), await call("OPTIONS", "/api/login")];
    expect(answers.map((answer) => answer.status)).toEqual([404, 405, 204]);
    for (const answer of answers) {
      expect(answer.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(answer.headers.get("x-frame-options")).toBe("DENY");
      expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
      expect(answer.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    }
  });

  it("sets them on the answer itself, copies only one whose headers are immutable, and keeps a route's own", async () => {
    const own = new Response("{}", { headers: { "Referrer-Policy": "no-referrer" } });
    expect(withSecurityHeaders(own)).toBe(own);
    expect(own.headers.get("referrer-policy")).toBe("no-referrer");
    expect(own.headers.get("x-frame-options")).toBe("DENY");
    const redirect = Response.redirect("http://127.0.0.1:5000/login", 303);
    const answer = withSecurityHeaders(redirect);
    expect([answer.status, answer.headers.get("location")]).toEqual([303, "http://127.0.0.1:5000/login"]);
    expect(answer.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
  });
});
