import { describe, expect, it } from "vitest";
import { safeNextPath, safeReturnAddress } from "../src/fleet/return-address";

describe("safeNextPath", () => {
  it.each(["/", "/account", "/api/session", "/reports?year=2026#q4", "/a/b/../c"])("keeps the same-site path %s", (path) => {
    expect(safeNextPath(path)).toBe(new URL(path, "http://x.invalid").pathname + new URL(path, "http://x.invalid").search + new URL(path, "http://x.invalid").hash);
  });

  it.each([
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "https://evil.example",
    "http:evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,hi",
    "%2F%2Fevil.example",
    "/%2F/evil.example",
    "/%5Cevil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " /x",
    "evil.example",
    "",
    "/%E0%A4%A",
    `/${"a".repeat(3000)}`,
  ])("refuses %j", (value) => {
    expect(safeNextPath(value)).toBe("/");
  });

  it("refuses values that are not strings", () => {
    for (const value of [undefined, null, 42, ["/a"], { path: "/a" }]) expect(safeNextPath(value)).toBe("/");
  });

  it("uses the given fallback", () => {
    expect(safeNextPath("//evil", "/login")).toBe("/login");
  });
});

describe("safeReturnAddress", () => {
  const origins = ["http://127.0.0.1:5000", "http://127.0.0.1:9000", "https://two.example.com"];

  it.each([
    ["http://127.0.0.1:9000/", "http://127.0.0.1:9000/"],
    ["http://127.0.0.1:9000", "http://127.0.0.1:9000/"],
    ["http://127.0.0.1:9000/reports?year=2026#q4", "http://127.0.0.1:9000/reports?year=2026#q4"],
    ["https://two.example.com/a/../b", "https://two.example.com/b"],
    ["http://127.0.0.1:9000//evil.example", "http://127.0.0.1:9000/"],
  ])("follows %s on a listed origin as %s", (value, expected) => {
    expect(safeReturnAddress(value, origins)).toEqual({ url: expected });
  });

  it.each([
    ["https://evil.example/", "evil.example"],
    ["http://127.0.0.1:9001/", "127.0.0.1:9001"],
    ["https://127.0.0.1:9000/", "127.0.0.1:9000"],
    ["http://two.example.com/", "two.example.com"],
    ["https://two.example.com.evil.example/", "two.example.com.evil.example"],
    ["http://127.0.0.1:9000@evil.example/", "evil.example"],
    ["https:two.example.com/", "two.example.com"],
    ["javascript:alert(1)", ""],
    ["http://127.0.0.1:9000/\\evil", "127.0.0.1:9000"],
    ["data:text/html,Your account is locked. Call +1 555 0100", ""],
    ["https://", ""],
  ])("refuses %s, naming %s", (value, host) => {
    const address = safeReturnAddress(value, origins);
    expect(address.url).toBe("/");
    expect(address.refused).toBe(true);
    // Only a parsed host is named: never the raw text of the link.
    expect(address.refusedHost).toBe(host || undefined);
  });

  it("treats a path as safeNextPath does, without a refusal", () => {
    expect(safeReturnAddress("/account", origins)).toEqual({ url: "/account" });
    expect(safeReturnAddress("//evil.example", origins)).toEqual({ url: "/" });
  });
});
