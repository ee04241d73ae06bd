import { describe, expect, it } from "vitest";
import { newNonce, securityHeaders, staticAssetHeaders } from "../src/server/security-headers";

// The values are written out: the test holds the module to the audit's finding, not to itself.
const nonce = "bm9uY2Utbm9uY2Utbm9uY2U=";
const everyAnswer = {
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "strict-origin-when-cross-origin",
};
const hsts = { "Strict-Transport-Security": "max-age=63072000; includeSubDomains" };

describe("securityHeaders", () => {
  it("gives a production page a nonce policy that refuses every frame, plugin and <base>", () => {
    expect(securityHeaders({ api: false, nonce, dev: false, secure: false })).toEqual({
      ...everyAnswer,
      "Content-Security-Policy":
        `default-src 'self'; script-src 'self' 'nonce-${nonce}' 'strict-dynamic'; style-src 'self' 'nonce-${nonce}'; ` +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    });
  });

  it("allows eval and inline styles in development only (React's dev stacks, Next's overlay)", () => {
    const policy = securityHeaders({ api: false, nonce, dev: true, secure: false })["Content-Security-Policy"];
    expect(policy).toBe(
      `default-src 'self'; script-src 'self' 'nonce-${nonce}' 'strict-dynamic' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; ` +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    expect(securityHeaders({ api: false, nonce, dev: false, secure: false })["Content-Security-Policy"]).not.toMatch(/unsafe/);
  });

  it("gives an API answer a policy that allows nothing", () => {
    expect(securityHeaders({ api: true, secure: false })).toEqual({ ...everyAnswer, "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'" });
  });

  it("pins HTTPS with HSTS only when the session cookie is Secure", () => {
    expect(securityHeaders({ api: true, secure: true })).toMatchObject(hsts);
    expect(securityHeaders({ api: false, nonce, dev: false, secure: true })).toMatchObject(hsts);
    expect(securityHeaders({ api: true, secure: false })).not.toHaveProperty("Strict-Transport-Security");
    expect(securityHeaders({ api: false, nonce, dev: true, secure: false })).not.toHaveProperty("Strict-Transport-Security");
  });

  it("sends the static headers on every answer too", () => {
    expect(staticAssetHeaders).toEqual({ "X-Content-Type-Options": "nosniff" });
    expect(securityHeaders({ api: true, secure: false })).toMatchObject(staticAssetHeaders);
  });
});

describe("newNonce", () => {
  it("is 128 random bits in base64, the form Next finds in a policy, new every time", () => {
    const nonces = new Set(Array.from({ length: 1000 }, newNonce));
    expect(nonces.size).toBe(1000);
    for (const value of nonces) {
      expect(value).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(Buffer.from(value, "base64")).toHaveLength(16);
    }
  });
});
