import http from "node:http";
import type { AddressInfo } from "node:net";
import type { BrowserContext, Page, Response } from "@playwright/test";
import { appOne, apps, appTwo, expect, fillCredentials, registerViaApi, registerViaUi, sessionCookieName, signedInAs, test, uniqueUser } from "./fixtures";
import { send } from "./http";

/**
 * The audit's finding: no security headers, so a page on another port of the same host framed the
 * signed-in /account, and a cross-site page framed the login page. The expected values are written out
 * here, not imported from the apps: the test holds the apps to the finding, not to themselves.
 */

const nonceSource = /'nonce-([A-Za-z0-9+/]+={0,2})'/;
/** The production page policy, with its per-request nonce written as NONCE. */
const pagePolicy =
  "default-src 'self'; script-src 'self' 'nonce-NONCE' 'strict-dynamic'; style-src 'self' 'nonce-NONCE'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const apiPolicy = "default-src 'none'; frame-ancestors 'none'";
/** Each app's colour (next.config.ts), set by the layout's nonced <style>: it applies only if the policy let it. */
const accents: Record<string, string> = { [appOne]: "#2563eb", [appTwo]: "#059669" };
/** The e2e fleet runs `next start`, where COOKIE_SECURE defaults to true: HSTS is sent. */
const everyResponse = {
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "strict-origin-when-cross-origin",
  "strict-transport-security": "max-age=63072000; includeSubDomains",
};

/** The nonce of a page policy; fails the test unless the policy is the page policy with that nonce. */
function expectPagePolicy(policy: string | null | undefined, what: string): string {
  const nonce = nonceSource.exec(policy ?? "")?.[1];
  expect(nonce, `${what}: a nonce in ${policy}`).toBeDefined();
  expect(policy!.replaceAll(nonce!, "NONCE"), what).toBe(pagePolicy);
  return nonce!;
}

function expectEveryResponseHeaders(headers: Headers, what: string): void {
  for (const [name, value] of Object.entries(everyResponse)) expect(headers.get(name), `${what}: ${name}`).toBe(value);
}

const framingPage = (app: string) => `<!doctype html><title>Not Ironlink</title>
<iframe name="account" src="${app}/account" width="600" height="400"></iframe>
<iframe name="login" src="${app}/login" width="600" height="400"></iframe>`;

/**
 * Another site, as in the finding: an HTTP server on a free port of 127.0.0.1 whose `/0` and `/1` frame the
 * first and second app. Reached as 127.0.0.1 it is the same site on another port (cookies included);
 * reached as localhost it is cross-site. (A made-up public name routed by Playwright would not do:
 * Chromium refuses a public page's frames of 127.0.0.1 for a reason of its own, local network access.)
 */
async function startFramingSite(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer((request, response) => {
    const app = apps[Number(request.url?.slice(1))];
    response.writeHead(app ? 200 : 404, { "content-type": "text/html; charset=utf-8" });
    response.end(app ? framingPage(app) : "");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * Expects that the frames of `page` named account and login show nothing of the app: Chromium replaces a
 * refused frame with its own error page. The framing page's load event waits for both frames.
 */
async function expectFramesRefused(page: Page, app: string, refusals: string[]): Promise<void> {
  for (const name of ["account", "login"]) {
    // A refused frame is swapped for Chromium's error page, which can be attached a moment after the load
    // event on a busy machine (CI once found no frame of that name yet): wait for it, as for any element.
    await expect.poll(() => page.frame({ name }), { message: `frame ${name}`, timeout: 10_000 }).not.toBeNull();
    const frame = page.frame({ name });
    expect(frame!.url(), `frame ${name} is not the app`).not.toContain(app);
    await expect(frame!.locator(".app-header"), `frame ${name}: no Ironlink page inside`).toHaveCount(0);
    await expect(frame!.getByRole("button", { name: "Sign out" })).toHaveCount(0);
    await expect(frame!.getByLabel("Password")).toHaveCount(0);
  }
  // Chromium says why, once per frame.
  expect(refusals.filter((text) => text.includes("frame-ancestors 'none'")), refusals.join("\n")).toHaveLength(2);
}

/**
 * Every Content Security Policy violation in `context`: the `securitypolicyviolation` events of every
 * document (reported through a binding, which the policy cannot block) and Chromium's console messages.
 */
async function watchViolations(context: BrowserContext): Promise<string[]> {
  const violations: string[] = [];
  await context.exposeBinding("__reportCspViolation", ({ frame }, text: string) => {
    violations.push(`${frame.url()}: ${text}`);
  });
  await context.addInitScript(() => {
    document.addEventListener(
      "securitypolicyviolation",
      (event) => {
        const report = (window as unknown as { __reportCspViolation: (text: string) => void }).__reportCspViolation;
        void report(`${event.effectiveDirective} refused ${event.blockedURI || "inline"} (${event.sourceFile}:${event.lineNumber})`);
      },
      true,
    );
  });
  context.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(`console: ${message.text()}`);
  });
  return violations;
}

/**
 * Expects the page `response` loaded to be under the page policy, with Next's scripts carrying its nonce
 * (so they ran), and React to have hydrated the page (it would stay inert if its scripts were refused).
 */
async function expectPageUnderPolicy(page: Page, response: Response | null, what: string): Promise<void> {
  expect(response, what).not.toBeNull();
  const nonce = expectPagePolicy(response!.headers()["content-security-policy"], what);
  const scriptNonces = await page.locator("script").evaluateAll((scripts) => scripts.map((script) => (script as HTMLScriptElement).nonce));
  expect(scriptNonces.length, `${what}: scripts`).toBeGreaterThan(0);
  expect(scriptNonces, `${what}: every script carries the nonce`).toEqual(scriptNonces.map(() => nonce));
  await expect
    .poll(() => page.locator(".app-name").evaluate((link) => Object.keys(link).some((key) => key.startsWith("__reactFiber"))), { message: `${what}: hydrated` })
    .toBe(true);
  const accent = await page.evaluate(() => getComputedStyle(document.body).getPropertyValue("--accent").trim());
  expect(accent, `${what}: the app's accent`).toBe(accents[new URL(page.url()).origin]);
}

/** Waits for the POST of a server action (made by React through fetch, not a form navigation). */
const serverAction = (page: Page) => page.waitForRequest((request) => request.method() === "POST" && request.headers()["next-action"] !== undefined);

test.describe("security headers", () => {
  for (const [what, host] of [
    ["a page on another port of the same host", "127.0.0.1"],
    ["a cross-site page", "localhost"],
  ] as const) {
    test(`${what} cannot frame the signed-in /account or the login page, of either app`, async ({ page }) => {
      await registerViaUi(page, appOne, uniqueUser());
      const site = await startFramingSite();
      try {
        for (const [index, app] of apps.entries()) {
          const refusals: string[] = [];
          const listen = (message: { text(): string }) => refusals.push(message.text());
          page.on("console", listen);
          await page.goto(`http://${host}:${site.port}/${index}`);
          await expectFramesRefused(page, app, refusals);
          page.off("console", listen);
        }
      } finally {
        await site.close();
      }
    });
  }

  test("every page of both apps loads under the policy with no violation and stays interactive", async ({ page, context }) => {
    const violations = await watchViolations(context);
    const user = uniqueUser();

    // Signed out: the forms, and a page that does not exist.
    for (const app of apps) {
      for (const path of ["/login", "/register", "/no-such-page"]) {
        await expectPageUnderPolicy(page, await page.goto(`${app}${path}`), `${app}${path}`);
      }
    }

    // Registering and signing in are server actions: React's fetch, allowed by connect-src.
    await page.goto(`${appOne}/register`);
    await fillCredentials(page, user);
    const registered = serverAction(page);
    await page.getByRole("button", { name: "Create account" }).click();
    await registered;
    await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);

    for (const app of apps) {
      await expectPageUnderPolicy(page, await page.goto(`${app}/`), `${app}/`);
      // A client-side navigation: the router fetches the page's RSC payload and loads its chunks.
      const payload = page.waitForRequest((request) => new URL(request.url()).pathname === "/account" && request.headers().rsc === "1");
      await page.getByRole("link", { name: "Account" }).click();
      await payload;
      await expect(page).toHaveURL(`${app}/account`);
      await expect(page.getByRole("heading", { name: "Your sessions" })).toBeVisible();
      await expectPageUnderPolicy(page, await page.goto(`${app}/account`), `${app}/account`);

      // Sign out: a plain form POST to /api/logout answered 303 → /login, allowed by form-action.
      await page.getByRole("button", { name: "Sign out", exact: true }).click();
      await expect(page).toHaveURL(`${app}/login`);
      await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
      expect((await context.cookies(app)).find((cookie) => cookie.name === sessionCookieName)).toBeUndefined();

      // And back in, through the form.
      await fillCredentials(page, user);
      const signedIn = serverAction(page);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await signedIn;
      await expect(page).toHaveURL(`${app}/`);
      await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
    }

    expect(violations, "Content Security Policy violations").toEqual([]);

    // The watcher sees a violation when there is one: an image from another origin is refused.
    await page.evaluate(() => {
      const image = document.createElement("img");
      image.src = "http://127.0.0.1:9/refused.png";
      document.body.append(image);
    });
    await expect.poll(() => violations.filter((text) => text.includes("refused.png")).length).toBeGreaterThan(0);
  });

  test("pages, redirects, API answers and static assets carry the headers", async () => {
    const user = uniqueUser();
    await registerViaApi(user);
    for (const app of apps) {
      // Pages: a fresh nonce every time.
      const login = await send(`${app}/login`);
      expect(login.status).toBe(200);
      expectEveryResponseHeaders(login.headers, `${app}/login`);
      const nonce = expectPagePolicy(login.headers.get("content-security-policy"), `${app}/login`);
      expect(Buffer.from(nonce, "base64").length, "nonce bytes").toBeGreaterThanOrEqual(16);
      expect(login.body).toContain(`nonce="${nonce}"`);
      const again = await send(`${app}/login`);
      expect(expectPagePolicy(again.headers.get("content-security-policy"), `${app}/login again`)).not.toBe(nonce);

      // A redirect by the proxy (no cookie on a protected page) and one by a page (signed in on /login).
      const toLogin = await send(`${app}/account`);
      expect(toLogin.status).toBe(307);
      expect(toLogin.headers.get("location")).toBe("/login?next=%2Faccount");
      expectEveryResponseHeaders(toLogin.headers, `${app}/account redirect`);
      expectPagePolicy(toLogin.headers.get("content-security-policy"), `${app}/account redirect`);

      const signIn = await send(`${app}/api/login`, { method: "POST", headers: { "content-type": "application/json", origin: app }, body: JSON.stringify(user) });
      expect(signIn.status).toBe(200);
      const cookie = signIn.headers.getSetCookie().map((value) => value.split(";")[0]).join("; ");
      const onward = await send(`${app}/login`, { headers: { cookie } });
      expect(onward.status).toBe(307);
      expectEveryResponseHeaders(onward.headers, `${app}/login signed in`);
      expectPagePolicy(onward.headers.get("content-security-policy"), `${app}/login signed in`);

      // API answers: JSON, nothing to run or frame.
      for (const [what, answer] of [
        ["POST /api/login", signIn],
        ["GET /api/session", await send(`${app}/api/session`, { headers: { cookie } })],
        ["GET /api/session signed out", await send(`${app}/api/session`)],
        ["GET /api/health", await send(`${app}/api/health`)],
        ["POST /api/logout", await send(`${app}/api/logout`, { method: "POST", headers: { cookie, origin: app } })],
      ] as const) {
        expect(answer.status, what).toBeLessThan(500);
        expect(answer.headers.get("content-type"), what).toContain("application/json");
        expectEveryResponseHeaders(answer.headers, `${app} ${what}`);
        expect(answer.headers.get("content-security-policy"), `${app} ${what}`).toBe(apiPolicy);
      }

      // A redirect made by a route handler (a form's sign-out: 303, immutable headers) has them too.
      const secondSignIn = await send(`${app}/api/login`, { method: "POST", headers: { "content-type": "application/json", origin: app }, body: JSON.stringify(user) });
      const formSignOut = await send(`${app}/api/logout`, {
        method: "POST",
        headers: { cookie: secondSignIn.headers.getSetCookie().map((c) => c.split(";")[0]).join("; "), origin: app, "content-type": "application/x-www-form-urlencoded" },
        body: "",
      });
      expect(formSignOut.status).toBe(303);
      expectEveryResponseHeaders(formSignOut.headers, `${app} form sign-out`);
      expect(formSignOut.headers.get("content-security-policy")).toBe(apiPolicy);

      // Static assets are outside the proxy's matcher: next.config sends nosniff for them.
      const assets = [...login.body.matchAll(/(?:src|href)="(\/_next\/static\/[^"]+\.(?:js|css))"/g)].map((match) => match[1]!);
      expect(assets.some((asset) => asset.endsWith(".js")) && assets.some((asset) => asset.endsWith(".css")), assets.join(" ")).toBe(true);
      for (const asset of new Set(assets)) {
        const answer = await send(`${app}${asset}`);
        expect(answer.status, asset).toBe(200);
        expect(answer.headers.get("x-content-type-options"), `${app}${asset}`).toBe("nosniff");
      }
    }
  });
});
