import { describe, expect, test } from "vitest";
import { getIronSession, type SessionOptions } from "../src/index";
import { SessionConfigError } from "../src/errors";
import { defaultCookieOptions, normalizeOptions } from "../src/options";
import { badOptions, expectConfigError, MemoryCookieStore, useTestRedis } from "./helpers";

const redis = useTestRedis();

const bad = badOptions(redis);

describe("option validation: SessionConfigError saying what to do", () => {
  test("a password shorter than 32 characters", () => {
    expectConfigError(bad({ password: "x".repeat(31) }), /at least 32 characters.*openssl rand -base64 32/);
    expectConfigError(bad({ password: { 1: "x".repeat(32), 2: "short" } }), /at least 32 characters long \(password id 2 is not\)/);
  });

  test("a missing or empty password, or an empty password map", () => {
    expectConfigError(bad({ password: undefined }), /`password` is required.*openssl rand/);
    expectConfigError(bad({ password: "" }), /at least 32 characters/);
    expectConfigError(bad({ password: {} }), /`password` is required/);
  });

  test("a password id that is not a whole number", () => {
    expectConfigError(bad({ password: { current: "x".repeat(32) } }), /password ids must be whole numbers without leading zeros \(got "current"\)/);
    expectConfigError(bad({ password: { "01": "x".repeat(32) } }), /without leading zeros \(got "01"\)/);
    expectConfigError(bad({ password: { "1.5": "x".repeat(32) } }), /whole numbers/);
  });

  test("a missing or invalid cookieName", () => {
    expectConfigError(bad({ cookieName: undefined }), /`cookieName` is required/);
    expectConfigError(bad({ cookieName: "" }), /`cookieName` is required/);
    expectConfigError(bad({ cookieName: "has space" }), /cookie-name characters/);
    expectConfigError(bad({ cookieName: "a;b=c" }), /cookie-name characters/);
  });

  test("a ttl of 60 seconds or less, or not a whole number", () => {
    expectConfigError(bad({ ttl: 60 }), /`ttl` must be a whole number of seconds above 60/);
    expectConfigError(bad({ ttl: 0 }), /above 60.*cannot live forever/);
    expectConfigError(bad({ ttl: -1 }), /above 60/);
    expectConfigError(bad({ ttl: 3600.5 }), /whole number/);
    expect(normalizeOptions(bad({ ttl: 61 })).ttl).toBe(61);
  });

  test("a missing store, or one without get/set/delete", () => {
    expectConfigError(bad({ store: undefined }), /`store` is required, for example `store: new RedisStore\(\{ client \}\)`/);
    expectConfigError(bad({ store: { get() {}, set() {} } }), /`store` is required/);
  });

  test('sameSite "none" without secure, and __Secure-/__Host- names without secure', () => {
    // Secure is the default (iron-session's), so sameSite "none" alone is fine.
    expect(normalizeOptions(bad({ cookieOptions: { sameSite: "none" } })).cookieOptions.secure).toBe(true);
    expectConfigError(bad({ cookieOptions: { sameSite: "none", secure: false } }), /sameSite: "none"` needs `secure: true`/);
    expectConfigError(bad({ cookieOptions: { sameSite: "None" as "none", secure: false } }), /needs `secure: true`/);
    expect(normalizeOptions(bad({ cookieOptions: { sameSite: "none", secure: true } })).cookieOptions.sameSite).toBe("none");
    expectConfigError(bad({ cookieName: "__Host-s", cookieOptions: { secure: false } }), /"__Host-s" must be `secure: true`/);
    expectConfigError(bad({ cookieName: "__Secure-s", cookieOptions: { secure: false } }), /must be `secure: true`/);
  });

  test("no options at all", () => {
    expectConfigError(undefined as unknown as SessionOptions, /options are required: \{ password, cookieName, store \}/);
  });

  test("getIronSession rejects with it too, in every call form", async () => {
    const options = bad({ password: "short" });
    await expect(getIronSession(new MemoryCookieStore(), options)).rejects.toBeInstanceOf(SessionConfigError);
    await expect(getIronSession(new Request("http://localhost/"), new Response(), options)).rejects.toBeInstanceOf(SessionConfigError);
    await expect(getIronSession({} as MemoryCookieStore, redis.options())).rejects.toThrow(/needs a cookie store/);
    await expect(
      getIronSession(new Request("http://localhost/"), undefined as unknown as Response, redis.options()),
    ).rejects.toThrow(/needs both a request and a response/);
  });
});

describe("defaults", () => {
  test("ttl 14 days, cookie Max-Age ttl - 60, httpOnly, lax, path /", () => {
    const normalized = normalizeOptions(redis.options({ ttl: undefined }));
    expect(normalized.ttl).toBe(14 * 24 * 3600);
    expect(normalized.passwords).toEqual({ 1: expect.any(String) });
    expect(normalized.cookieOptions).toEqual({ ...defaultCookieOptions, maxAge: 14 * 24 * 3600 - 60 });
    expect(normalized.cookieOptions).toMatchObject({ httpOnly: true, sameSite: "lax", path: "/" });
  });

  test("cookieOptions override the defaults, and undefined ones do not erase them", () => {
    const normalized = normalizeOptions(redis.options({ cookieOptions: { path: "/app", maxAge: 100, domain: "example.test", httpOnly: undefined } }));
    expect(normalized.cookieOptions).toMatchObject({ path: "/app", maxAge: 100, domain: "example.test", httpOnly: true });
  });
});
