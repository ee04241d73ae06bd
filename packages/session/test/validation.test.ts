import { describe, expect, it } from "vitest";
import { canonicalUsername, checkCredentials, checkNewPassword, passwordRules } from "../src/fleet/accounts/validation";

const tooShort = "Use at least 12 characters.";
const tooCommon = "This password is too common: choose another.";
const isUsername = "Your password cannot be your username.";
const onlySpaces = "Your password cannot be only spaces.";

/** The password error of a registration as `alice`, or undefined when the password is accepted. */
async function registrationError(password: unknown, username = "alice"): Promise<string | undefined> {
  const result = await checkCredentials({ username, password }, true);
  return result.ok ? undefined : result.errors.password;
}

describe("checkCredentials", () => {
  it("accepts a valid registration and trims the username", async () => {
    expect(await checkCredentials({ username: "  Alice.B-1 ", password: "correct horse battery" }, true)).toEqual({
      ok: true,
      credentials: { username: "Alice.B-1", password: "correct horse battery" },
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
  ])("refuses the username %j (%s)", async (username) => {
    const result = await checkCredentials({ username, password: "correct horse battery" }, true);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.username).toMatch(/letters, digits/);
  });

  it("asks for missing fields and ignores non-string input", async () => {
    const result = await checkCredentials({ username: 42, password: { $ne: "" } }, false);
    expect(result).toEqual({ ok: false, errors: { username: "Enter a username.", password: "Enter a password." } });
  });

  it("refuses very long passwords and control characters, at sign-in too", async () => {
    expect(await checkCredentials({ username: "alice", password: "x".repeat(257) }, false)).toMatchObject({ ok: false, errors: { password: "Use at most 256 characters." } });
    expect(await checkCredentials({ username: "alice", password: "pass\u0007word-with-a-bell" }, false)).toMatchObject({
      ok: false,
      errors: { password: "The password cannot contain control characters." },
    });
  });
});

describe("new passwords (NIST SP 800-63B, OWASP ASVS V2.1)", () => {
  it("need at least 12 characters", async () => {
    expect(passwordRules.min).toBe(12);
    expect(await registrationError("short")).toBe(tooShort);
    expect(await registrationError("eleven-char")).toBe(tooShort);
    expect(await registrationError("twelve-chars")).toBeUndefined();
  });

  it("count characters as code points after NFKC, not UTF-16 units", async () => {
    // Six emoji are twelve UTF-16 units but six characters.
    expect("🔑🔒🔓🚪🛡🧱".length).toBe(12);
    expect(await registrationError("🔑🔒🔓🚪🛡🧱")).toBe(tooShort);
    expect(await registrationError("🔑🔒🔓🚪🛡🧱🔑🔒🔓🚪🛡🧱")).toBeUndefined();
    // "e" and a combining accent are two code points before NFKC and one after: 11 characters, refused.
    expect(await registrationError("cafe\u0301-au-lai")).toBe(tooShort);
    // 256 emoji (512 UTF-16 units) are within the upper bound; 257 are not.
    expect(await registrationError("🔑".repeat(256))).toBeUndefined();
    expect(await registrationError("🔑".repeat(257))).toBe("Use at most 256 characters.");
  });

  it("accept a long Unicode passphrase with spaces, accents and emoji", async () => {
    const passphrase = "Ünïcödé pässphrase 🔑 with spaces, ключ и 密码, long enough to remember";
    expect(await registrationError(passphrase)).toBeUndefined();
    expect(await registrationError("p".repeat(passwordRules.max))).toBeUndefined();
  });

  it("refuse passwords made only of whitespace", async () => {
    expect(await registrationError("        ")).toBe(onlySpaces); // 8 spaces
    expect(await registrationError(" ".repeat(20))).toBe(onlySpaces);
    expect(await registrationError("\u3000\u00a0\u2003".repeat(5))).toBe(onlySpaces); // ideographic, no-break, em spaces
    expect(await registrationError("  a          ")).toBeUndefined();
  });

  it("refuse the username, whatever its case or the spaces around it", async () => {
    expect(await registrationError("alice.b-1234", "alice.b-1234")).toBe(isUsername);
    expect(await registrationError("Alice.B-1234", "alice.b-1234")).toBe(isUsername);
    expect(await registrationError("  ALICE.b-1234 ", " Alice.B-1234 ")).toBe(isUsername);
    expect(await registrationError("ａｌｉｃｅ.ｂ-１２３４", "alice.b-1234")).toBe(isUsername); // full-width, NFKC
    expect(await registrationError("alice.b-12345", "alice.b-1234")).toBeUndefined();
  });

  it("refuse common passwords from the shipped list, whatever their case", async () => {
    for (const common of ["password1234", "qwertyuiop123", "123456789012", "1q2w3e4r5t6y", "passwordpassword"]) {
      expect(await registrationError(common), common).toBe(tooCommon);
    }
    expect(await registrationError("PassWord1234")).toBe(tooCommon);
    expect(await registrationError(" password1234 ")).toBe(tooCommon);
    expect(await registrationError("ｐａｓｓｗｏｒｄ１２３４")).toBe(tooCommon); // full-width, NFKC
    expect(await registrationError("password1234 but longer")).toBeUndefined();
  });

  it("refuse the weak passwords that used to be accepted", async () => {
    expect(await registrationError("password")).toBe(tooShort);
    expect(await registrationError("12345678")).toBe(tooShort);
    expect(await registrationError("        ")).toBe(onlySpaces);
    expect(await registrationError("alice.b-1234", "Alice.B-1234")).toBe(isUsername);
  });

  it("do not apply at sign-in, so old passwords keep working", async () => {
    for (const old of ["password", "12345678", "        ", "alice", "password1234"]) {
      expect(await checkCredentials({ username: "alice", password: old }, false), JSON.stringify(old)).toEqual({
        ok: true,
        credentials: { username: "alice", password: old },
      });
    }
  });
});

describe("checkNewPassword", () => {
  const change = (currentPassword: unknown, newPassword: unknown, username = "alice") => checkNewPassword({ currentPassword, newPassword }, username);

  it("accepts any current password and a new one that meets the rules", async () => {
    expect(await change("password", "a much better passphrase")).toEqual({ ok: true, currentPassword: "password", newPassword: "a much better passphrase" });
  });

  it("applies the rules for new passwords, with the user's own name", async () => {
    expect(await change("old-password", "short")).toEqual({ ok: false, errors: { newPassword: tooShort } });
    expect(await change("old-password", "password1234")).toEqual({ ok: false, errors: { newPassword: tooCommon } });
    expect(await change("old-password", " ".repeat(12))).toEqual({ ok: false, errors: { newPassword: onlySpaces } });
    expect(await change("old-password", "Alice.B-1234", "alice.b-1234")).toEqual({ ok: false, errors: { newPassword: isUsername } });
  });

  it("refuses the current password as the new one, however it is typed", async () => {
    const same = "Choose a password different from the current one.";
    expect(await change("café au lait 42", "café au lait 42")).toEqual({ ok: false, errors: { newPassword: same } });
    expect(await change("café au lait 42", "cafe\u0301 au lait 42")).toEqual({ ok: false, errors: { newPassword: same } });
  });

  it("asks for both fields", async () => {
    expect(await change(undefined, undefined)).toEqual({ ok: false, errors: { currentPassword: "Enter a password.", newPassword: "Enter a password." } });
  });
});

describe("canonicalUsername", () => {
  it("makes names case-insensitive", () => {
    expect(canonicalUsername(" Alice ")).toBe("alice");
  });
});
