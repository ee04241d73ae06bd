import { describe, expect, test } from "vitest";
import { isAllowedOrigin } from "../src/fleet/request-origin";

const origins = ["http://127.0.0.1:5000", "https://app.example.com"];

describe("isAllowedOrigin: the fleet's CSRF rule", () => {
  test.each([
    ["http://127.0.0.1:5000", true],
    ["https://app.example.com", true],
    ["http://127.0.0.1:5000.evil.test", false],
    ["http://app.example.com", false], // another scheme
    ["https://app.example.com:8443", false], // another port
    ["null", false],
    ["http://127.0.0.1:5000, http://evil.test", false], // a repeated header, as node:http joins it
  ])("Origin %s -> %s, with Fetch Headers and node:http headers alike", (origin, allowed) => {
    expect(isAllowedOrigin(new Headers({ origin }), origins)).toBe(allowed);
    expect(isAllowedOrigin({ origin }, origins)).toBe(allowed);
  });

  test("no Origin passes unless the browser says the request is cross-site", () => {
    expect(isAllowedOrigin(new Headers(), origins)).toBe(true);
    expect(isAllowedOrigin({ "sec-fetch-site": "same-origin" }, origins)).toBe(true);
    expect(isAllowedOrigin(new Headers({ "sec-fetch-site": "cross-site" }), origins)).toBe(false);
    expect(isAllowedOrigin({ "sec-fetch-site": "cross-site" }, origins)).toBe(false);
  });
});
