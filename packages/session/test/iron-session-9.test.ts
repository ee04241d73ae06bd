/**
 * iron-session 9's API (its README and MIGRATION.md, 9.0.1), on top of the iron-session 8 API the port of
 * its tests (iron-session-compat.test.ts) holds: the cookie jars, onUnsealError, chunk, updateConfig's
 * password, the types. destroy()'s terminal save and the Date refusal are in drop-in.test.ts and
 * lifecycle.test.ts, next to the iron-session 8 behaviour they replace.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { sealData } from "iron-session";
import { NextRequest, NextResponse } from "next/server";
import { RequestCookies, ResponseCookies } from "next/dist/server/web/spec-extension/cookies";
import { splitCookiesString } from "next/dist/server/web/utils";
import { afterAll, beforeAll, describe, expect, expectTypeOf, test } from "vitest";
import { type CookieJar, getIronSession, type IronSession, nextProxyCookies, nodeCookies, regenerateSession, type SessionOptions, webCookies } from "../src/index";
import type { UnsealErrorReason } from "../src/options";
import { sealIron } from "../src/iron-seal";
import { sealCookie } from "../src/seal";
import { generateSessionId, storeKeyFor } from "../src/session-id";
import { cookieName, MemoryCookieStore, otherPassword, password, sidOf, storedValue, ttl, useTestRedis } from "./helpers";

const redis = useTestRedis();

interface Data {
  user: string;
  visits: number;
}

const cookieHeader = (value: string) => `${cookieName}=${encodeURIComponent(value)}`;
/** Our cookie's value in Set-Cookie headers (the last one sent). */
const sentCookie = (headers: string[]) => {
  const ours = headers.filter((h) => h.startsWith(`${cookieName}=`)).at(-1);
  return ours === undefined ? undefined : decodeURIComponent(ours.split(";")[0]!.slice(cookieName.length + 1));
};

describe("nodeCookies(req, res): node:http, Express, Connect", () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      void (async () => {
        const session = await getIronSession<Data>(nodeCookies(req, res), redis.options());
        session.visits = (session.visits ?? 0) + 1;
        await session.save();
        res.end(JSON.stringify(session));
      })().catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  test("a session across requests, in the store", async () => {
    const first = await fetch(base);
    expect(await first.json()).toEqual({ visits: 1 });
    const cookie = sentCookie(first.headers.getSetCookie())!;
    expect(await redis.client.exists(redis.redisKeyFor(await sidOf(cookie)))).toBe(1);
    const second = await fetch(base, { headers: { cookie: `a=b; ${cookieHeader(cookie)}` } });
    expect(await second.json()).toEqual({ visits: 2 });
  });
});

describe("webCookies(request, responseOrHeaders): Fetch servers and route handlers", () => {
  test("to a Response, or to Headers given to the Response made afterwards", async () => {
    const headers = new Headers();
    const session = await getIronSession<Data>(webCookies(new Request("http://localhost/"), headers), redis.options());
    session.user = "web";
    await session.save();
    const cookie = sentCookie(headers.getSetCookie())!;

    const request = new Request("http://localhost/", { headers: { cookie: cookieHeader(cookie) } });
    const response = new Response("body");
    const again = await getIronSession<Data>(webCookies(request, response), redis.options());
    expect(again.user).toBe("web");
    again.destroy();
    expect(response.headers.getSetCookie()).toEqual([expect.stringMatching(new RegExp(`^${cookieName}=; Max-Age=0;`))]);
    expect({ ...(await redis.open(cookie)) }).toEqual({});
  });

  test("a save after the response's body was read throws, as iron-session 9's does, before the store is written", async () => {
    const response = new Response("body");
    await response.text();
    const before = (await redis.keys()).sort();
    const session = await getIronSession<Data>(webCookies(new Request("http://localhost/"), response), redis.options());
    session.user = "late";
    await expect(session.save()).rejects.toThrow(/the response body has already been consumed/);
    expect((await redis.keys()).sort()).toEqual(before);
  });
});

describe("nextProxyCookies(request, response): Next.js proxy.ts (middleware)", () => {
  /** The cookies the page rendered after the proxy reads, merged as Next does (request-store.js, mergeMiddlewareCookies). */
  function renderCookies(request: NextRequest, response: NextResponse): MemoryCookieStore {
    const cookies = new RequestCookies(new Headers(request.headers));
    const responseHeaders = new Headers();
    for (const cookie of splitCookiesString(response.headers.get("x-middleware-set-cookie") ?? "")) responseHeaders.append("set-cookie", cookie);
    for (const cookie of new ResponseCookies(responseHeaders).getAll()) cookies.set(cookie);
    // What `await cookies()` reads in the render: those cookies, read-only.
    return new MemoryCookieStore(Object.fromEntries(cookies.getAll().map((cookie) => [cookie.name, cookie.value])));
  }

  test("a session rotated in the proxy is the one the render reads", async () => {
    const { cookie, sid, redisKey } = await redis.create({ user: "alice", visits: 1 });
    const request = new NextRequest("https://app.example/reports", { headers: { cookie: cookieHeader(cookie) } });
    const response = NextResponse.next();

    // proxy.ts, as iron-session 9's README writes it, with a rotation
    const session = await getIronSession<Data>(nextProxyCookies(request, response), redis.options());
    expect(session.user).toBe("alice");
    await regenerateSession(session);
    session.user = "alice";
    session.visits = 2;
    await session.save();

    const rotated = response.cookies.get(cookieName)?.value;
    expect(rotated).toBeDefined();
    expect(await sidOf(rotated!)).not.toBe(sid);
    expect(await redis.client.exists(redisKey)).toBe(0);
    // Later code in the proxy reads the new session too.
    expect(request.cookies.get(cookieName)?.value).toBe(rotated);

    // The render, with `await cookies()`: the rotated session, not the one the browser sent.
    const render = await getIronSession<Data>(renderCookies(request, response), redis.options());
    expect({ ...render }).toEqual({ user: "alice", visits: 2 });
  });

  test("a second session cookie planted beside ours (another port, a sibling subdomain) makes the proxy's request anonymous", async () => {
    const mine = await redis.create({ user: "victim" });
    const planted = await redis.create({ user: "attacker" });
    for (const header of [`${cookieHeader(mine.cookie)}; ${cookieHeader(planted.cookie)}`, `${cookieHeader(planted.cookie)}; ${cookieHeader(mine.cookie)}`]) {
      const request = new NextRequest("https://app.example/", { headers: { cookie: header } });
      const session = await getIronSession<Data>(nextProxyCookies(request, NextResponse.next()), redis.options());
      expect({ ...session }).toEqual({});
    }
  });

  test("a destroy in the proxy leaves the render signed out", async () => {
    const { cookie } = await redis.create({ user: "bob" });
    const request = new NextRequest("https://app.example/", { headers: { cookie: cookieHeader(cookie) } });
    const response = NextResponse.next();
    const session = await getIronSession<Data>(nextProxyCookies(request, response), redis.options());
    session.destroy();
    await session.save();
    expect({ ...(await getIronSession<Data>(renderCookies(request, response), redis.options())) }).toEqual({});
    expect({ ...(await getIronSession<Data>(nextProxyCookies(request, NextResponse.next()), redis.options())) }).toEqual({});
  });
});

describe("onUnsealError(reason, error)", () => {
  function recorder() {
    const calls: [UnsealErrorReason, unknown][] = [];
    const onUnsealError = (reason: UnsealErrorReason, error: unknown) => void calls.push([reason, error]);
    return { calls, options: (overrides: Partial<SessionOptions> = {}) => redis.options({ onUnsealError, ...overrides }) };
  }

  test("for the cookie: expired, invalid, unknown-password; the session is empty each time", async () => {
    const { cookie, sid } = await redis.create({ user: "victim" });
    const parts = cookie.slice(0, -"~2".length).split("*");
    const mac = parts[7]!;
    const tampered = `${[...parts.slice(0, 7), `${mac[0] === "A" ? "B" : "A"}${mac.slice(1)}`].join("*")}~2`;
    for (const [seal, reason] of [
      [sealIron({ sid }, { 1: password }, -120), "expired"],
      [tampered, "invalid"],
      ["not-a-seal", "invalid"],
      [await sealData({ sid, extra: 1 }, { password, ttl }), "invalid"], // a genuine seal, but not of a session cookie
      [sealIron({ sid }, { 7: otherPassword }, ttl), "unknown-password"],
    ] as const) {
      const { calls, options } = recorder();
      const session = await getIronSession<Data>(new MemoryCookieStore({ [cookieName]: seal }), options());
      expect({ ...session }, reason).toEqual({});
      expect(calls, seal.slice(0, 30)).toEqual([[reason, expect.any(Error)]]);
    }
  });

  test("for a stored value that cannot be opened: expired, invalid, unknown-password", async () => {
    for (const [seal, reason] of [
      [(key: string) => sealIron(storedValue(key, { user: "x" }), { 1: password }, -120), "expired"],
      [(key: string) => sealIron(storedValue(`${key}-other`, { user: "x" }), { 1: password }, ttl), "invalid"], // copied from another key
      [() => "garbage", "invalid"],
      [(key: string) => sealIron(storedValue(key, { user: "x" }), { 9: otherPassword }, ttl), "unknown-password"],
    ] as const) {
      const sid = generateSessionId();
      await redis.client.set(redis.prefix + storeKeyFor(sid), seal(storeKeyFor(sid)), "EX", ttl);
      const { calls, options } = recorder();
      const session = await getIronSession<Data>(new MemoryCookieStore({ [cookieName]: await sealCookie(sid, { 1: password }, ttl) }), options());
      expect({ ...session }, reason).toEqual({});
      expect(calls, reason).toEqual([[reason, expect.any(Error)]]);
    }
  });

  test("not called for no cookie, a live session, or one that ended; a hook that throws is logged, never passed on", async () => {
    const { cookie } = await redis.create({ user: "ok" });
    const { calls, options } = recorder();
    expect((await getIronSession<Data>(new MemoryCookieStore(), options())).user).toBeUndefined();
    expect((await getIronSession<Data>(new MemoryCookieStore({ [cookieName]: cookie }), options())).user).toBe("ok");
    const ended = await getIronSession<Data>(new MemoryCookieStore({ [cookieName]: cookie }), options());
    await ended.destroy();
    expect({ ...(await getIronSession<Data>(new MemoryCookieStore({ [cookieName]: cookie }), options())) }).toEqual({});
    expect(calls).toEqual([]);

    const throwing = redis.options({
      onUnsealError: () => {
        throw new Error("a hook that throws");
      },
    });
    await expect(getIronSession<Data>(new MemoryCookieStore({ [cookieName]: "not-a-seal" }), throwing)).resolves.toEqual({});
  });
});

describe("updateConfig() rebuilds the configuration, the password included", () => {
  test("the next save seals the cookie and the stored value with the new password", async () => {
    const newPassword = "a-brand-new-password-of-at-least-32-chars";
    const { cookie } = await redis.create({ user: "rotating" });
    const cookies = new MemoryCookieStore({ [cookieName]: cookie });
    const session = await getIronSession<Data>(cookies, redis.options());
    session.updateConfig({ cookieName, ttl, password: { 2: newPassword, 1: password } });
    session.visits = 1;
    await session.save();
    const written = cookies.written();
    expect(written.split("*")[1]).toBe("2");
    expect(await sidOf(written, { 2: newPassword })).toBe(await sidOf(cookie));
    await expect(sidOf(written, password)).rejects.toThrow(/no sid/);
    // Only the new password opens both now.
    const reopened = await redis.open(written, { password: { 2: newPassword } });
    expect({ ...reopened }).toEqual({ user: "rotating", visits: 1 });
  });
});

describe("chunk: true", () => {
  test("is accepted; the cookie holds an id, so it is one cookie of the usual size however large the data", async () => {
    const cookies = new MemoryCookieStore();
    const session = await getIronSession<{ big: string }>(cookies, redis.options({ chunk: true }));
    session.big = "x".repeat(20_000);
    await session.save();
    expect(cookies.writes.map((w) => w.name)).toEqual([cookieName]);
    expect(cookies.written().length).toBeLessThan(400);
    expect((await redis.open<{ big: string }>(cookies.written())).big).toHaveLength(20_000);
  });
});

describe("types", () => {
  test("IronSession<T>'s fields are optional on read; a jar is a CookieJar", async () => {
    const session = await getIronSession<Data>(new MemoryCookieStore(), redis.options());
    expectTypeOf(session).toEqualTypeOf<IronSession<Data>>();
    expectTypeOf(session.user).toEqualTypeOf<string | undefined>();
    expectTypeOf(nodeCookies).returns.toEqualTypeOf<CookieJar>();
    expectTypeOf(webCookies).returns.toEqualTypeOf<CookieJar>();
    expectTypeOf<UnsealErrorReason>().toEqualTypeOf<"expired" | "invalid" | "unknown-password">();
    expect(session.user).toBeUndefined();
  });
});
