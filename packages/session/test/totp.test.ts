import { describe, expect, it } from "vitest";
import { hashRecoveryCode, newRecoveryCodes } from "../src/fleet/accounts/factors/recovery-codes";
import { matchTotp, newTotpSecret, totpCode, totpSettings, totpUri } from "../src/fleet/accounts/factors/totp";

/** Two-step verification's codes (otplib) and the recovery codes (issue 26). */
describe("TOTP", () => {
  const secret = newTotpSecret();
  const periodMs = totpSettings.period * 1000;
  // 10 s into a step, so a neighbour step is a whole period away.
  const now = 56_666_667 * periodMs + 10_000;
  const step = Math.floor(now / periodMs);

  it("makes base32 secrets of at least 32 characters (160 bits), a new one each time", () => {
    expect(secret).toMatch(/^[A-Z2-7]{32,}$/);
    expect(newTotpSecret()).not.toBe(secret);
  });

  it("matches the current code and says its step", () => {
    const code = totpCode(secret, now);
    expect(code).toMatch(/^\d{6}$/);
    expect(matchTotp(secret, code, now)).toBe(step);
    expect(matchTotp(secret, `${code.slice(0, 3)} ${code.slice(3)}`, now)).toBe(step);
    expect(matchTotp(secret, ` ${code} `, now)).toBe(step);
  });

  it("matches the neighbour steps within the window and says which", () => {
    expect(matchTotp(secret, totpCode(secret, now - periodMs), now)).toBe(step - 1);
    expect(matchTotp(secret, totpCode(secret, now + periodMs), now)).toBe(step + 1);
    // At a step's edges too: the window counts steps, not seconds.
    expect(matchTotp(secret, totpCode(secret, step * periodMs - periodMs), step * periodMs)).toBe(step - 1);
    expect(matchTotp(secret, totpCode(secret, (step + 2) * periodMs - 1), (step + 1) * periodMs - 1)).toBe(step + 1);
  });

  it("refuses codes outside the window", () => {
    for (const offset of [-2, 2, -5, 10]) {
      const code = totpCode(secret, now + offset * periodMs);
      const inWindow = [-1, 0, 1].map((delta) => totpCode(secret, now + delta * periodMs));
      if (!inWindow.includes(code)) expect(matchTotp(secret, code, now)).toBeUndefined();
    }
  });

  it("refuses wrong codes, another secret's code, and anything that is not 6 digits", () => {
    const code = totpCode(secret, now);
    const inWindow = [-1, 0, 1].map((delta) => totpCode(secret, now + delta * periodMs));
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
    if (!inWindow.includes(wrong)) expect(matchTotp(secret, wrong, now)).toBeUndefined();
    const other = totpCode(newTotpSecret(), now);
    if (!inWindow.includes(other)) expect(matchTotp(secret, other, now)).toBeUndefined();
    for (const bad of [Number(code), null, undefined, {}, [code], code.slice(0, 5), `${code}1`, `${code.slice(0, 5)}a`, "abcdef", "", "      ", `${code}\n1`, "１２３４５６"]) {
      expect(matchTotp(secret, bad, now)).toBeUndefined();
    }
    expect(matchTotp(secret, `${"1".repeat(100)}`, now)).toBeUndefined();
  });

  it("matches codes at the real time by default", () => {
    const before = Math.floor(Date.now() / periodMs);
    const matched = matchTotp(secret, totpCode(secret));
    expect(matched).toBeGreaterThanOrEqual(before);
    expect(matched).toBeLessThanOrEqual(Math.floor(Date.now() / periodMs));
  });

  it("makes an otpauth URI with the issuer, account, secret, algorithm, digits and period", () => {
    const uri = totpUri(secret, "ann@example.com", "Iron Link");
    expect(uri.startsWith("otpauth://totp/Iron%20Link:ann%40example.com?")).toBe(true);
    const params = new URLSearchParams(uri.slice(uri.indexOf("?") + 1));
    expect(Object.fromEntries(params)).toEqual({ secret, issuer: "Iron Link", algorithm: "SHA1", digits: "6", period: "30" });
  });
});

describe("recovery codes", () => {
  it("makes 10 distinct codes like k7m2q-x9d4t, with their hashes in the same order", () => {
    const { codes, hashes } = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/);
    expect(hashes).toEqual(codes.map(hashRecoveryCode));
    expect(new Set(hashes).size).toBe(10);
    expect(newRecoveryCodes().codes).not.toEqual(codes);
  });

  it("hashes a code as typed: case, spaces and dashes ignored", () => {
    const hash = hashRecoveryCode("k7m2q-x9d4t");
    expect(hash).toMatch(/^[\w-]{43}$/);
    for (const typed of ["k7m2qx9d4t", "K7M2Q-X9D4T", " k7m2q x9d4t ", "k7m2q - x9d4t", "k-7-m-2-q-x-9-d-4-t", "K7M2Q\u2013X9D4T"]) expect(hashRecoveryCode(typed)).toBe(hash);
    // Letters never in a code read as the digits they look like.
    expect(hashRecoveryCode("1o2qq-x9d4t")).toBe(hashRecoveryCode("102qq-x9d4t"));
    expect(hashRecoveryCode("iL000-0OOO0")).toBe(hashRecoveryCode("11000-00000"));
    expect(hashRecoveryCode("k7m2q-x9d4v")).not.toBe(hash);
  });

  it("hashes nothing that cannot be a code", () => {
    for (const bad of [undefined, null, 12345, {}, "", "k7m2q", "k7m2q-x9d4tt", "k7m2q-x9d4u", "k7m2q_x9d4t", "k7m2q-x9d4!", "ｋ7m2q-x9d4t", "k".repeat(1000)]) {
      expect(hashRecoveryCode(bad)).toBeUndefined();
    }
  });
});
