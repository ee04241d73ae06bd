import { describe, expect, it } from "vitest";
import { isAllowedOrigin } from "../src/request-origin";

const apps = ["http://127.0.0.1:5000", "http://127.0.0.1:7000"];
const headers = (init: Record<string, string>) => new Headers(init);

describe("isAllowedOrigin", () => {
  it("allows the fleet's own origins", () => {
    expect(isAllowedOrigin(headers({ origin: "http://127.0.0.1:7000", host: "127.0.0.1:5000" }), apps)).toBe(true);
  });

  it("matches the whole origin: another scheme or port of a listed host is refused, even from that very host", () => {
    expect(isAllowedOrigin(headers({ origin: "https://127.0.0.1:5000", host: "127.0.0.1:5000" }), apps)).toBe(false);
    expect(isAllowedOrigin(headers({ origin: "http://127.0.0.1:5001", host: "127.0.0.1:5001" }), apps)).toBe(false);
    expect(isAllowedOrigin(headers({ origin: "https://app.example.com", host: "app.example.com" }), apps)).toBe(false);
    expect(isAllowedOrigin(headers({ origin: "https://app.example.com" }), ["https://app.example.com"])).toBe(true);
    expect(isAllowedOrigin(headers({ origin: "http://app.example.com" }), ["https://app.example.com"])).toBe(false);
  });

  it.each(["https://evil.example", "null", "http://127.0.0.1:5000.evil.example", "not a url"])("refuses Origin %j", (origin) => {
    expect(isAllowedOrigin(headers({ origin, host: "127.0.0.1:5000" }), apps)).toBe(false);
  });

  it("allows non-browser clients without Origin, unless the browser marked the request cross-site", () => {
    expect(isAllowedOrigin(headers({ host: "127.0.0.1:5000" }), apps)).toBe(true);
    expect(isAllowedOrigin(headers({ host: "127.0.0.1:5000", "sec-fetch-site": "cross-site" }), apps)).toBe(false);
  });
});
