import { NextRequest } from "next/server";
import { beforeEach, describe, expect, it, vi } from "vitest";

// The proxy's collaborators: the environment (one fixed config) and Redis's state (up or down).
const state = vi.hoisted(() => ({ storeDown: false, production: true, cookieSecure: true }));
vi.mock("../src/config", () => ({
  getConfig: () => ({ production: state.production, cookieSecure: state.cookieSecure, cookieName: "ironlink_session" }),
}));
vi.mock("../src/fleet", () => ({ storeIsDown: () => state.storeDown, storeDownRetryAfterSeconds: 5 }));
const { createProxy } = await import("../src/proxy");
const { resolveOptions } = await import("../src/options");
const proxy = createProxy(resolveOptions({}));

const app = "http://127.0.0.1:5000";
const request = (path: string, headers: Record<string, string> = {}) => new NextRequest(`${app}${path}`, { headers });
const nonceOf = (policy: string | null) => /'nonce-([^']+)'/.exec(policy ?? "")?.[1];
/** What Next forwards to the page: the proxy's request headers, as NextResponse.next() encodes them. */
const forwarded = (response: Response, name: string) => response.headers.get(`x-middleware-request-${name}`);

function expectSecurityHeaders(response: Response, policy: "page"): void {
  expect(response.headers.get("x-frame-options")).toBe("DENY");
  expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  expect(response.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
  expect(response.headers.get("strict-transport-security")).toBe("max-age=63072000; includeSubDomains");
  expect(response.headers.get("content-security-policy")).toMatch(/^default-src 'self'; script-src 'self' 'nonce-[A-Za-z0-9+/]{22}==' 'strict-dynamic'; .*frame-ancestors 'none'$/);
  // The `policy` it was asked for, whole: a page's (production), its one nonce on scripts and styles alike,
  // not the API's `default-src 'none'` nor dev's 'unsafe-inline'.
  const nonce = nonceOf(response.headers.get("content-security-policy"));
  expect(response.headers.get("content-security-policy")).toBe(pagePolicies[policy](nonce));
}

/** The policies the proxy may send, written out here rather than taken from the module that makes them. */
const pagePolicies = {
  page: (nonce: string | undefined) =>
    `default-src 'self'; script-src 'self' 'nonce-${nonce}' 'strict-dynamic'; style-src 'self' 'nonce-${nonce}'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
};

beforeEach(() => {
  Object.assign(state, { storeDown: false, production: true, cookieSecure: true });
});

describe("proxy", () => {
  it("hands a page a fresh nonce: in its policy, in the request's policy (for Next) and in x-nonce (for the layout)", () => {
    const first = proxy(request("/login"));
    expectSecurityHeaders(first, "page");
    const nonce = nonceOf(first.headers.get("content-security-policy"));
    expect(forwarded(first, "content-security-policy")).toBe(first.headers.get("content-security-policy"));
    expect(forwarded(first, "x-nonce")).toBe(nonce);
    expect(nonceOf(proxy(request("/login")).headers.get("content-security-policy"))).not.toBe(nonce);
  });

  it("never lets the client choose the nonce", () => {
    const response = proxy(request("/login", { "content-security-policy": "script-src 'nonce-chosen'", "x-nonce": "chosen" }));
    const nonce = nonceOf(response.headers.get("content-security-policy"));
    expect(nonce).not.toBe("chosen");
    expect(nonceOf(forwarded(response, "content-security-policy"))).toBe(nonce);
    expect(forwarded(response, "x-nonce")).toBe(nonce);
  });

  it("leaves /api/ to the route handlers, even while the store is down (an app whose matcher still includes it)", () => {
    for (const storeDown of [false, true]) {
      state.storeDown = storeDown;
      const response = proxy(request("/api/session"));
      expect(response.headers.get("x-middleware-next")).toBe("1");
      expect(response.headers.get("content-security-policy")).toBeNull();
      expect(forwarded(response, "x-nonce")).toBeNull();
    }
  });

  it("puts the headers on its redirect to the login page", () => {
    const response = proxy(request("/account"));
    expect(response.status).toBe(307);
    const location = new URL(response.headers.get("location")!);
    expect(location.pathname + location.search).toBe("/login?next=%2Faccount");
    expectSecurityHeaders(response, "page");
  });

  it("puts the headers on its 503s, and the page's one <style> carries the page's nonce", async () => {
    state.storeDown = true;
    const page = proxy(request("/login"));
    expect(page.status).toBe(503);
    expect(page.headers.get("retry-after")).toBe("5");
    expectSecurityHeaders(page, "page");
    const nonce = nonceOf(page.headers.get("content-security-policy"));
    const html = await page.text();
    expect(html.match(/<style[^>]*>/g)).toEqual([`<style nonce="${nonce}">`]);
    expect(html).not.toMatch(/<script|style="/);
  });

  it("sends HSTS only when the session cookie is Secure, and dev's policy only outside production", () => {
    Object.assign(state, { production: false, cookieSecure: false });
    const response = proxy(request("/login"));
    expect(response.headers.get("strict-transport-security")).toBeNull();
    expect(response.headers.get("content-security-policy")).toContain("'unsafe-eval'");
  });
});
