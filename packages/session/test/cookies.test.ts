import { describe, expect, test } from "vitest";
import { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import { cookieHeaderValues, jarFromCookieStore, jarFromRequest, serializeCookie } from "../src/cookies";

/** The first value of a cookie in a header: what a reader that takes one value sees. */
const parseCookieHeader = (header: string, name: string) => cookieHeaderValues(header, name)[0];

const base = { path: "/", httpOnly: true, secure: false, sameSite: "lax", maxAge: 100 } as const;

describe("parseCookieHeader", () => {
  test("finds one cookie among several, by exact name", () => {
    expect(parseCookieHeader("a=1; session=abc; b=2", "session")).toBe("abc");
    expect(parseCookieHeader("a=1;session=abc;b=2", "session")).toBe("abc");
    expect(parseCookieHeader("session_other=x; xsession=y", "session")).toBeUndefined();
    expect(parseCookieHeader("", "session")).toBeUndefined();
  });

  test("decodes percent-encoding and strips quotes; keeps = inside values; the first match wins", () => {
    expect(parseCookieHeader("s=a%2Ab%20c", "s")).toBe("a*b c");
    expect(parseCookieHeader('s="quoted"', "s")).toBe("quoted");
    expect(parseCookieHeader("s=a=b=c", "s")).toBe("a=b=c");
    expect(parseCookieHeader("s=first; s=second", "s")).toBe("first");
    expect(parseCookieHeader("s=", "s")).toBe("");
  });

  test("a malformed header yields undefined or skips the part, never throws", () => {
    expect(parseCookieHeader("s=%E0%A4%A", "s")).toBeUndefined();
    expect(parseCookieHeader("garbage; ;;; s=ok", "s")).toBe("ok");
    expect(parseCookieHeader("=novalue; s", "s")).toBeUndefined();
  });
});

describe("a cookie jar reads every value of a name", () => {
  const header = "s=first; a=1; s=%E0%A4%A; s=second; s=first";

  test("from a node:http or Fetch request: each value in header order, those that do not decode left out", () => {
    const req = new IncomingMessage(new Socket());
    req.headers = { cookie: header };
    const fetchRequest = new Request("http://localhost/", { headers: { cookie: header } });
    for (const jar of [jarFromRequest(req, new ServerResponse(req)), jarFromRequest(fetchRequest, new Response())]) {
      expect(jar.readAll("s")).toEqual(["first", "second", "first"]);
      expect(jar.readAll("a")).toEqual(["1"]);
      expect(jar.readAll("missing")).toEqual([]);
    }
    expect(jarFromRequest(new Request("http://localhost/"), new Response()).readAll("s")).toEqual([]);
  });

  test("from a cookie store: getAll(name) when it has one, else get(name)", () => {
    const set = () => undefined;
    const withGetAll = { get: () => ({ value: "one" }), getAll: (name: string) => [{ name, value: "one" }, { name, value: "two" }], set };
    expect(jarFromCookieStore(withGetAll).readAll("s")).toEqual(["one", "two"]);
    expect(jarFromCookieStore({ get: () => ({ value: "one" }), set }).readAll("s")).toEqual(["one"]);
    expect(jarFromCookieStore({ get: () => undefined, set }).readAll("s")).toEqual([]);
  });
});

describe("serializeCookie", () => {
  test("writes the attributes in a fixed order", () => {
    const cookie = serializeCookie("s", "v", { ...base, domain: "example.test", secure: true, partitioned: true, sameSite: "strict" });
    expect(cookie).toMatch(/^s=v; Max-Age=100; Domain=example\.test; Path=\/; HttpOnly; Secure; Partitioned; SameSite=Strict$/);
  });

  test("Max-Age is floored, and no Expires is added to it (as iron-session writes it); an Expires asked for is written", () => {
    const cookie = serializeCookie("s", "v", { ...base, maxAge: 100.9 });
    expect(cookie).toContain("Max-Age=100;");
    expect(cookie).not.toContain("Expires");
    const expires = new Date("2031-02-03T04:05:06.000Z");
    expect(serializeCookie("s", "v", { ...base, maxAge: undefined, expires })).toBe("s=v; Path=/; Expires=Mon, 03 Feb 2031 04:05:06 GMT; HttpOnly; SameSite=Lax");
  });

  test("Max-Age=0 clears; no Secure, HttpOnly or Domain unless asked", () => {
    const cookie = serializeCookie("s", "", { ...base, httpOnly: false, maxAge: 0 });
    expect(cookie).toMatch(/^s=; Max-Age=0; Path=\/; SameSite=Lax$/);
  });

  test("encodes the value, and what it writes parses back", () => {
    const value = "Fe26.2*1*a;b=c d,é~2";
    const cookie = serializeCookie("s", value, base);
    expect(cookie.split(";")[0]).toBe(`s=${encodeURIComponent(value)}`);
    expect(parseCookieHeader(cookie.split(";")[0]!, "s")).toBe(value);
  });
});
