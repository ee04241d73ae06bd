import { describe, expect, it } from "vitest";
import { safeNextPath } from "../src/safe-next-path";

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
