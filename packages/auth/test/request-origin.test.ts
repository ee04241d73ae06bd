import { describe, expect, it } from "vitest";
import { isAllowedOrigin } from "../src/request-origin";

const apps = ["http://127.0.0.1:5000", "http://127.0.0.1:7000"];
const headers = (init: Record<string, string>) => new Headers(init);

describe("isAllowedOrigin", () => {
  it("allows the fleet's own origins", () => {
    expect(isAllowedOrigin(headers({ origin: "http://127.0.0.1:7000", host: "127.0.0.1:5000" }), apps)).toBe(true);
  });

  it("allows a request from its own host even if not configured", () => {
    expect(isAllowedOrigin(headers({ origin: "https://app.example.com", host: "app.example.com" }), apps)).toBe(true);
  });

  it.each(["https://evil.example", "null", "http://127.0.0.1:5000.evil.example", "not a url"])("refuses Origin %j", (origin) => {
    expect(isAllowedOrigin(headers({ origin, host: "127.0.0.1:5000" }), apps)).toBe(false);
  });

  it("allows non-browser clients without Origin, unless the browser marked the request cross-site", () => {
    expect(isAllowedOrigin(headers({ host: "127.0.0.1:5000" }), apps)).toBe(true);
    expect(isAllowedOrigin(headers({ host: "127.0.0.1:5000", "sec-fetch-site": "cross-site" }), apps)).toBe(false);
  });
});
