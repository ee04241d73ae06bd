import { describe, expect, it } from "vitest";
import { canonicalUsername, checkCredentials } from "../src/validation";

describe("checkCredentials", () => {
  it("accepts a valid registration and trims the username", () => {
    expect(checkCredentials({ username: "  Alice.B-1 ", password: "correct horse" }, true)).toEqual({
      ok: true,
      credentials: { username: "Alice.B-1", password: "correct horse" },
    });
  });

  it.each([
    ["ab", "too short"],
    ["a".repeat(33), "too long"],
    ["_alice", "leading punctuation"],
    ["al ice", "space"],
    ["alice\u0000", "control character"],
    ["ålice", "non-ASCII"],
    ["alice<script>", "markup"],
  ])("refuses the username %j (%s)", (username) => {
    const result = checkCredentials({ username, password: "correct horse" }, true);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.username).toMatch(/letters, digits/);
  });

  it("asks for missing fields and ignores non-string input", () => {
    const result = checkCredentials({ username: 42, password: { $ne: "" } }, false);
    expect(result).toEqual({ ok: false, errors: { username: "Enter a username.", password: "Enter a password." } });
  });

  it("applies the length rules to new passwords only", () => {
    expect(checkCredentials({ username: "alice", password: "short" }, true)).toMatchObject({ ok: false, errors: { password: "Use at least 8 characters." } });
    expect(checkCredentials({ username: "alice", password: "short" }, false).ok).toBe(true);
  });

  it("refuses very long passwords and control characters, but accepts unicode", () => {
    expect(checkCredentials({ username: "alice", password: "x".repeat(257) }, false)).toMatchObject({ ok: false });
    expect(checkCredentials({ username: "alice", password: "pass\u0007word" }, true)).toMatchObject({ ok: false });
    expect(checkCredentials({ username: "alice", password: "pässwörd 🔑 ключ" }, true).ok).toBe(true);
  });
});

describe("canonicalUsername", () => {
  it("makes names case-insensitive", () => {
    expect(canonicalUsername(" Alice ")).toBe("alice");
  });
});
