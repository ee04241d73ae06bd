import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getIronSession } from "../src/index";
import { cookieName, MemoryCookieStore, sidOf, ttl, useTestRedis } from "./helpers";

const redis = useTestRedis();

type Counter = { count: number };

/** The value and attributes of our cookie in a list of Set-Cookie headers. */
function parseSetCookie(headers: string[]): { value: string; attributes: string[] } {
  const ours = headers.filter((h) => h.startsWith(`${cookieName}=`));
  expect(ours).toHaveLength(1);
  const [pair, ...attributes] = ours[0]!.split(/;\s*/);
  return { value: decodeURIComponent(pair!.slice(cookieName.length + 1)), attributes };
}

describe("getIronSession(cookieStore, options): the App Router form, with `await cookies()`", () => {
  test("reads the cookie by name and writes it with the cookie options", async () => {
    const cookies = new MemoryCookieStore();
    const session = await getIronSession<Counter>(cookies, redis.options({ cookieOptions: { domain: "example.test" } }));
    session.count = 1;
    await session.save();

    expect(cookies.writes).toHaveLength(1);
    const [write] = cookies.writes;
    expect(write!.name).toBe(cookieName);
    // iron-session's defaults: Secure included (browsers accept Secure cookies from http://localhost too).
    expect(write!.options).toEqual({ httpOnly: true, secure: true, sameSite: "lax", path: "/", maxAge: ttl - 60, domain: "example.test" });

    const next = await getIronSession<Counter>(new MemoryCookieStore({ [cookieName]: write!.value, unrelated: "x" }), redis.options());
    expect(next.count).toBe(1);
  });
});

describe("getIronSession(req, res, options): node:http", () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      void (async () => {
        try {
          if (req.url === "/other-cookie") res.setHeader("set-cookie", "other=1; Path=/");
          const session = await getIronSession<Counter>(req, res, redis.options());
          if (req.url === "/logout") {
            await session.destroy();
          } else {
            session.count = (session.count ?? 0) + 1;
            await session.save();
            if (req.url === "/save-twice") await session.save();
          }
          res.setHeader("content-type", "application/json");
          res.end(JSON.stringify(session));
        } catch (error) {
          res.statusCode = 500;
          res.end(String(error));
        }
      })();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const get = (path: string, cookie?: string) => fetch(base + path, { headers: cookie ? { cookie: `a=b; ${cookieName}=${encodeURIComponent(cookie)}; c=d` } : {} });

  test("a session across requests, then sign-out", async () => {
    const first = await get("/");
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ count: 1 });
    const { value: cookie, attributes } = parseSetCookie(first.headers.getSetCookie());
    expect(attributes).toEqual([`Max-Age=${ttl - 60}`, "Path=/", "HttpOnly", "Secure", "SameSite=Lax"]);
    expect(await sidOf(cookie)).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // Saving an existing session sends its cookie again, as iron-session does: the same session, for another ttl.
    const second = await get("/", cookie);
    expect(await second.json()).toEqual({ count: 2 });
    const resent = parseSetCookie(second.headers.getSetCookie());
    expect(await sidOf(resent.value)).toBe(await sidOf(cookie));
    expect(resent.attributes).toContain(`Max-Age=${ttl - 60}`);
    expect(await (await get("/", cookie)).json()).toEqual({ count: 3 });

    const logout = await get("/logout", cookie);
    expect(await logout.json()).toEqual({});
    const cleared = parseSetCookie(logout.headers.getSetCookie());
    expect(cleared.value).toBe("");
    expect(cleared.attributes).toContain("Max-Age=0");

    const after = await get("/", cookie);
    expect(await after.json()).toEqual({ count: 1 });
  });

  test("keeps Set-Cookie headers the app set, and sends ours once even when saved twice", async () => {
    const response = await get("/other-cookie");
    expect(response.headers.getSetCookie()).toContain("other=1; Path=/");
    parseSetCookie(response.headers.getSetCookie());

    const twice = await get("/save-twice");
    expect(twice.headers.getSetCookie().filter((h) => h.startsWith(`${cookieName}=`))).toHaveLength(1);
  });
});

describe("getIronSession(request, response, options): Fetch Request and Response", () => {
  test("reads the Cookie header and appends Set-Cookie to the response", async () => {
    const response = new Response(null);
    const session = await getIronSession<Counter>(new Request("http://localhost/"), response, redis.options());
    expect({ ...session }).toEqual({});
    session.count = 5;
    await session.save();
    const { value: cookie, attributes } = parseSetCookie(response.headers.getSetCookie());
    expect(attributes).toContain(`Max-Age=${ttl - 60}`);

    const request = new Request("http://localhost/", { headers: { cookie: `${cookieName}=${encodeURIComponent(cookie)}` } });
    const nextResponse = new Response(null);
    const next = await getIronSession<Counter>(request, nextResponse, redis.options());
    expect(next.count).toBe(5);
    await next.destroy();
    expect(parseSetCookie(nextResponse.headers.getSetCookie()).attributes).toContain("Max-Age=0");

    const after = await getIronSession<Counter>(request, new Response(null), redis.options());
    expect({ ...after }).toEqual({});
  });

  test("an unencoded cookie (as a browser sends back what it got) is read too", async () => {
    const { cookie } = await redis.create({ count: 9 });
    const session = await getIronSession<Counter>(new Request("http://localhost/", { headers: { cookie: `${cookieName}=${cookie}` } }), new Response(), redis.options());
    expect(session.count).toBe(9);
  });
});
