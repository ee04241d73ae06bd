/**
 * What a person migrating from iron-session gets: replacing the import and adding `store` is the whole
 * migration. Where a test can tell, the behaviour is iron-session's own, checked here against iron-session
 * itself (installed next to this package) rather than against a transcription of it.
 */
import { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import * as ironSession from "iron-session";
import { describe, expect, expectTypeOf, test } from "vitest";
import { getIronSession, type IronSession, regenerateSession, sealData, sessionInfo, type SessionOptions, unsealData } from "../src/index";
import type { CookieStore } from "../src/cookies";
import { SessionConfigError } from "../src/errors";
import { cookieName, MemoryCookieStore, manualClock, password, sidOf, topology, useCountingStore, useTestRedis } from "./helpers";

const redis = useTestRedis();
const counting = useCountingStore(redis);

type Data = { user?: string; n?: number; state?: string };

/** A node:http request carrying `cookie` (or none), and a real ServerResponse for it. */
function nodeRequest(cookie?: string): { req: IncomingMessage; res: ServerResponse } {
  const req = new IncomingMessage(new Socket());
  req.headers = cookie === undefined ? {} : { cookie: `${cookieName}=${cookie}` };
  return { req, res: new ServerResponse(req) };
}

const setCookies = (res: ServerResponse) => [res.getHeader("set-cookie") ?? []].flat().map(String);
/** A Set-Cookie header without its value: the attributes, which must be iron-session's byte for byte. */
const attributesOf = (setCookie: string) => setCookie.slice(setCookie.indexOf(";"));

describe("1. the same names", () => {
  test("getIronSession, and iron-session's own sealData and unsealData", async () => {
    expect(sealData).toBe(ironSession.sealData);
    expect(unsealData).toBe(ironSession.unsealData);
    const session: IronSession<Data> = await getIronSession<Data>(new MemoryCookieStore(), redis.options());
    expectTypeOf(session.save).toEqualTypeOf<() => Promise<void>>();
    expectTypeOf(session.updateConfig).parameter(0).toMatchTypeOf<Omit<SessionOptions, "store">>();
  });
});

describe("2. the same cookie as iron-session writes for the same options", () => {
  const cases: Array<[string, Partial<SessionOptions>]> = [
    ["the defaults", {}],
    ["a ttl", { ttl: 7200 }],
    ["maxAge", { cookieOptions: { maxAge: 60 } }],
    ["maxAge: undefined, a browser-session cookie", { cookieOptions: { maxAge: undefined } }],
    ["expires", { cookieOptions: { maxAge: undefined, expires: new Date("2031-02-03T04:05:06.000Z") } }],
    ["priority, partitioned, domain and path", { cookieOptions: { priority: "high", partitioned: true, domain: "example.test", path: "/app" } }],
    ["sameSite true", { cookieOptions: { sameSite: true } }],
    ["sameSite false", { cookieOptions: { sameSite: false } }],
    ["sameSite strict, not httpOnly, not secure", { cookieOptions: { sameSite: "strict", httpOnly: false, secure: false } }],
    ["sameSite none", { cookieOptions: { sameSite: "none" } }],
  ];

  test.each(cases)("Set-Cookie on save and on destroy, node:http and Fetch: %s", async (_, overrides) => {
    const ironOptions = { password, cookieName, ...overrides } as ironSession.SessionOptions;
    const ours = redis.options({ ttl: undefined, ...overrides });

    for (const form of ["node:http", "Fetch"] as const) {
      const writes = async (open: (res: ServerResponse | Response) => Promise<{ save(): Promise<void>; destroy(): unknown; n?: number }>) => {
        const saving = form === "node:http" ? nodeRequest().res : new Response();
        const session = await open(saving);
        session.n = 1;
        await session.save();
        const destroying = form === "node:http" ? nodeRequest().res : new Response();
        await (await open(destroying)).destroy();
        const headers = (res: ServerResponse | Response) => (res instanceof Response ? res.headers.getSetCookie() : setCookies(res));
        return { saved: headers(saving), destroyed: headers(destroying) };
      };
      const request = () => (form === "node:http" ? nodeRequest().req : new Request("http://localhost/"));
      const expected = await writes((res) => ironSession.getIronSession<{ n?: number }>(request(), res, ironOptions));
      const actual = await writes((res) => getIronSession<{ n?: number }>(request(), res, ours));

      expect(actual.saved, form).toHaveLength(1);
      expect(attributesOf(actual.saved[0]!), form).toBe(attributesOf(expected.saved[0]!));
      expect(actual.destroyed, form).toEqual(expected.destroyed);
    }
  });

  test.each(cases)("the options a cookie store's set() gets: %s", async (_, overrides) => {
    const writes = async (open: (cookies: MemoryCookieStore) => Promise<{ save(): Promise<void>; destroy(): unknown; n?: number }>) => {
      const cookies = new MemoryCookieStore();
      const session = await open(cookies);
      session.n = 1;
      await session.save();
      await session.destroy();
      return cookies.writes.map(({ name, options }) => ({ name, options }));
    };
    // `as never`: iron-session does not export its CookieStore type, whose `expires` may also be a number.
    const expected = await writes((cookies) =>
      ironSession.getIronSession<{ n?: number }>(cookies as never, {
        password,
        cookieName,
        ...overrides,
      } as ironSession.SessionOptions),
    );
    const actual = await writes((cookies) => getIronSession<{ n?: number }>(cookies, redis.options({ ttl: undefined, ...overrides })));
    expect(actual).toEqual(expected);
  });

  test("the defaults spelled out: Max-Age ttl - 60, no Expires, Secure; the clearing cookie", async () => {
    const { req, res } = nodeRequest();
    const session = await getIronSession<Data>(req, res, redis.options({ ttl: undefined }));
    session.n = 1;
    await session.save();
    expect(setCookies(res)).toEqual([expect.stringMatching(new RegExp(`^${cookieName}=[^;]+; Max-Age=1209540; Path=/; HttpOnly; Secure; SameSite=Lax$`))]);
    session.destroy();
    expect(setCookies(res)).toEqual([`${cookieName}=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax`]);
  });
});

describe("3. rolling sessions: each save re-sends the cookie, and the session lives ttl from that save", () => {
  test("ttl 3600 and a save every 1000 s: still signed in at 4000 s and beyond; ended ttl after the last save", async () => {
    const c = manualClock();
    const options = redis.options({ ttl: 3600, clock: c.clock });
    let { cookie } = await redis.create({ user: "roller" }, options);
    for (let at = 1000; at <= 6000; at += 1000) {
      c.at(at);
      const cookies = new MemoryCookieStore({ [cookieName]: cookie });
      const session = await getIronSession<Data>(cookies, options);
      expect(session.user, `${at} s after sign-in`).toBe("roller");
      await session.save();
      expect(cookies.writes, `${at} s: the cookie is sent again`).toHaveLength(1);
      expect(await sidOf(cookies.written())).toBe(await sidOf(cookie)); // the same session, re-sealed
      cookie = cookies.written();
    }
    c.at(6000 + 3600 + 59); // iron's minute of clock skew: a seal opens until ttl + 60 s after it was made
    expect((await redis.open<Data>(cookie, options)).user).toBe("roller");
    c.at(6000 + 3600 + 60);
    expect({ ...(await redis.open(cookie, options)) }).toEqual({});
  });

  test("an explicit absoluteTimeout still caps it", async () => {
    const c = manualClock();
    const options = redis.options({ ttl: 3600, absoluteTimeout: 4500, clock: c.clock });
    const { cookie } = await redis.create({ user: "capped" }, options);
    c.at(3000);
    await (await redis.open(cookie, options)).save();
    c.at(4499);
    expect((await redis.open<Data>(cookie, options)).user).toBe("capped");
    c.at(4500);
    expect({ ...(await redis.open(cookie, options)) }).toEqual({});
  });
});

describe("4. destroy() as iron-session users call it, without await", () => {
  test("clears the data and writes the clearing cookie before it returns; the store delete is sent at once", async () => {
    const options = redis.options({ store: counting.store });
    const { cookie, redisKey } = await redis.create({ user: "leaving" }, options);
    const cookies = new MemoryCookieStore({ [cookieName]: cookie });
    const session = await getIronSession<Data>(cookies, options);
    let deletion: Promise<void> | undefined;
    const sent = await counting.measure(async () => {
      deletion = session.destroy();
      expect({ ...session }).toEqual({});
      expect(cookies.writes).toEqual([{ name: cookieName, value: "", options: expect.objectContaining({ maxAge: 0 }) }]);
    });
    // The delete, and its announcement to the open tabs of every app (live sign-out), sent together.
    expect(sent).toEqual(topology === "cluster" ? ["del", "spublish"] : ["del", "publish"]);
    await expect(deletion).resolves.toBeUndefined();
    expect(await redis.client.exists(redisKey)).toBe(0);
    expect({ ...(await redis.open(cookie)) }).toEqual({});
  });

  test("destroy() is terminal, as in iron-session 9: a bare save() after it is ignored, and the person stays signed out everywhere", async () => {
    for (const form of ["cookie store", "node:http"] as const) {
      const { cookie, redisKey } = await redis.create({ user: "old", n: 1 });
      const cookies = new MemoryCookieStore({ [cookieName]: cookie });
      const { req, res } = nodeRequest(cookie);
      const before = (await redis.keys()).length;
      const session = await (form === "cookie store" ? getIronSession<Data>(cookies, redis.options()) : getIronSession<Data>(req, res, redis.options()));
      session.destroy();
      await session.save(); // a logout handler that calls both, or a wrapper saving every request
      await session.save();

      // The last cookie sent is still the clearing one, and no session was written.
      const last = form === "cookie store" ? cookies.writes.at(-1) : undefined;
      if (last) expect(last, form).toEqual({ name: cookieName, value: "", options: expect.objectContaining({ maxAge: 0 }) });
      else expect(setCookies(res).filter((c) => c.startsWith(`${cookieName}=`)), form).toEqual([expect.stringMatching(new RegExp(`^${cookieName}=; Max-Age=0;`))]);
      expect(cookies.writes.length, form).toBeLessThanOrEqual(1);
      expect(await redis.client.exists(redisKey), form).toBe(0);
      expect((await redis.keys()).length, form).toBe(before - 1);
      expect({ ...(await redis.open(cookie)) }, form).toEqual({});
    }
  });

  test("destroy(); session.user = u; await session.save() throws naming the fix, and writes nothing", async () => {
    for (const form of ["cookie store", "node:http"] as const) {
      const { cookie, redisKey } = await redis.create({ user: "old", n: 1 });
      const cookies = new MemoryCookieStore({ [cookieName]: cookie });
      const { req, res } = nodeRequest(cookie);
      const session = await (form === "cookie store" ? getIronSession<Data>(cookies, redis.options()) : getIronSession<Data>(req, res, redis.options()));
      const before = (await redis.keys()).length;
      session.destroy();
      session.user = "new";
      await expect(session.save(), form).rejects.toThrow(/Cannot save a destroyed session that has data written back into it/);
      await expect(session.save(), form).rejects.toThrow(/`await regenerateSession\(session\)`/);
      expect(cookies.writes.length, form).toBeLessThanOrEqual(1);
      expect(setCookies(res).filter((c) => c.startsWith(`${cookieName}=`) && !c.includes("Max-Age=0")), form).toEqual([]);
      expect(await redis.client.exists(redisKey), form).toBe(0);
      expect((await redis.keys()).length, form).toBe(before - 1);
    }
  });

  test("the fix the message names: destroy(); await regenerateSession(session); session.user = u; save() starts a new session holding u", async () => {
    for (const form of ["cookie store", "node:http"] as const) {
      const { cookie, redisKey } = await redis.create({ user: "old", n: 1 });
      const cookies = new MemoryCookieStore({ [cookieName]: cookie });
      const { req, res } = nodeRequest(cookie);
      const session = await (form === "cookie store" ? getIronSession<Data>(cookies, redis.options()) : getIronSession<Data>(req, res, redis.options()));
      session.destroy();
      await regenerateSession(session);
      session.user = "new";
      await session.save();

      const written = form === "cookie store" ? cookies.written() : decodeURIComponent(setCookies(res).at(-1)!.split(";")[0]!.slice(cookieName.length + 1));
      expect(await sidOf(written), form).not.toBe(await sidOf(cookie));
      expect({ ...(await redis.open(written)) }, form).toEqual({ user: "new" });
      expect(await redis.client.exists(redisKey), form).toBe(0);
      expect({ ...(await redis.open(cookie)) }, form).toEqual({});
    }
  });
});

describe("5. save() after the headers were sent", () => {
  test("throws iron-session's error before anything is written to the store, for a new session and an existing one", async () => {
    const headersSent = () => ({ headersSent: true, getHeader: () => undefined, setHeader: () => undefined }) as unknown as ServerResponse;
    const before = (await redis.keys()).sort();
    const fresh = await getIronSession<Data>(nodeRequest().req, headersSent(), redis.options());
    fresh.user = "late";
    await expect(fresh.save()).rejects.toThrow(/Cannot set session cookie: session\.save\(\) was called after headers were sent/);
    expect((await redis.keys()).sort()).toEqual(before);

    const { cookie, redisKey } = await redis.create({ user: "early" });
    const stored = await redis.client.get(redisKey);
    const existing = await getIronSession<Data>(nodeRequest(cookie).req, headersSent(), redis.options());
    existing.user = "late";
    await expect(existing.save()).rejects.toThrow(/after headers were sent/);
    expect(await redis.client.get(redisKey)).toBe(stored);
  });
});

describe("6. updateConfig(options)", () => {
  test("changes the cookie the next save() writes; iron-session's password stays, and so does the store", async () => {
    const { cookie } = await redis.create({ user: "config" });
    const cookies = new MemoryCookieStore({ [cookieName]: cookie });
    const session = await getIronSession<Data>(cookies, redis.options());
    expect(Object.getOwnPropertyDescriptor(session, "updateConfig")).toMatchObject({ enumerable: false, writable: false });
    session.updateConfig({ password: "not-the-password", cookieName: "renamed", cookieOptions: { maxAge: 100, secure: false } });
    expect(cookies.writes).toEqual([]); // until save()
    session.n = 2;
    await session.save();
    expect(cookies.writes).toEqual([{ name: "renamed", value: expect.any(String), options: { httpOnly: true, secure: false, sameSite: "lax", path: "/", maxAge: 100 } }]);
    expect({ ...(await redis.open(cookies.written("renamed"))) }).toEqual({ user: "config", n: 2 });
  });

  test("refuses options that are wrong", async () => {
    const session = await getIronSession<Data>(new MemoryCookieStore(), redis.options());
    expect(() => session.updateConfig({ password, cookieName: "" })).toThrow(SessionConfigError);
    expect(() => session.updateConfig({ password, cookieName, ttl: 0 })).toThrow(/cannot live forever/);
  });
});

describe("7. bad options fail with iron-session's wording, whatever the request looks like", () => {
  test("a request without headers, a response without anything, or a cookie store without get", async () => {
    for (const open of [
      (options: SessionOptions) => getIronSession({} as Request, {} as Response, options),
      (options: SessionOptions) => getIronSession({} as CookieStore, options),
    ]) {
      for (const [options, message] of [
        [{ password, store: redis.store }, /^ironlink: Bad usage\. Missing cookie name\./],
        [{ cookieName, store: redis.store }, /^ironlink: Bad usage\. Missing password\./],
        [{ cookieName, password: "x".repeat(31), store: redis.store }, /^ironlink: Bad usage\. Password must be at least 32 characters long/],
        [{ cookieName, password: { 1: password, 2: "short" }, store: redis.store }, /Password must be at least 32 characters long \(password id 2 is not\)/],
      ] as const) {
        const attempt = open(options as SessionOptions);
        await expect(attempt).rejects.toBeInstanceOf(SessionConfigError);
        await expect(attempt).rejects.toThrow(message);
      }
    }
  });

  test("no request or no response: iron-session's bad-usage message", async () => {
    for (const args of [[], [undefined, undefined, redis.options()], [{ headers: {} }, undefined, redis.options()], [new MemoryCookieStore()]]) {
      const attempt = (getIronSession as (...a: unknown[]) => Promise<unknown>)(...args);
      await expect(attempt).rejects.toBeInstanceOf(SessionConfigError);
      await expect(attempt).rejects.toThrow("ironlink: Bad usage: use getIronSession(req, res, options) or getIronSession(cookies, options).");
    }
  });
});

describe("8. Set-Cookie headers already on the response are kept", () => {
  test("one and several, on save and on destroy; node:http and Fetch", async () => {
    for (const existing of ["existing=cookie", ["existing=cookie", "existing2=cookie2"]]) {
      const { req, res } = nodeRequest();
      res.setHeader("set-cookie", existing);
      const session = await getIronSession<Data>(req, res, redis.options());
      session.n = 1;
      await session.save();
      expect(setCookies(res)).toEqual([...[existing].flat(), expect.stringMatching(new RegExp(`^${cookieName}=Fe26`))]);
      session.destroy();
      expect(setCookies(res)).toEqual([...[existing].flat(), expect.stringMatching(new RegExp(`^${cookieName}=;`))]);

      const response = new Response(null, { headers: [existing].flat().map((value) => ["set-cookie", value] as [string, string]) });
      const fetchSession = await getIronSession<Data>(new Request("http://localhost/"), response, redis.options());
      fetchSession.n = 1;
      await fetchSession.save();
      expect(response.headers.getSetCookie()).toEqual([...[existing].flat(), expect.stringMatching(new RegExp(`^${cookieName}=Fe26`))]);
    }
  });
});

describe("9. a stateless iron-session app's users stay signed in, with no extra option", () => {
  test("an iron-session cookie loads its data by default, and save() moves it into the store", async () => {
    const legacy = await ironSession.sealData({ user: "from-iron-session" }, { password });
    const options = redis.options();
    const cookies = new MemoryCookieStore({ [cookieName]: legacy });
    const session = await getIronSession<Data>(cookies, options);
    expect({ ...session }).toEqual({ user: "from-iron-session" });
    expect(sessionInfo(session).state).toBe("legacy");
    await session.save();
    expect(Object.keys(await unsealData(cookies.written(), { password }))).toEqual(["sid"]);
    expect({ ...(await redis.open(cookies.written(), options)) }).toEqual({ user: "from-iron-session" });
  });
});

describe("10. the session object reserves only save, destroy and updateConfig", () => {
  test("state, publicId and regenerate are data like any other field", async () => {
    const cookies = new MemoryCookieStore();
    const session = await getIronSession<Record<string, unknown>>(cookies, redis.options());
    expect(Object.getOwnPropertyNames(session).sort()).toEqual(["destroy", "save", "updateConfig"]);
    session.state = "oauth-state-xyz";
    session.publicId = "mine";
    session.regenerate = "not a method";
    await session.save();
    expect({ ...(await redis.open(cookies.written())) }).toEqual({ state: "oauth-state-xyz", publicId: "mine", regenerate: "not a method" });
  });

  test("a migrated iron-session cookie holding `state` keeps it", async () => {
    const legacy = await ironSession.sealData({ state: "csrf-1", user: "u" }, { password });
    const cookies = new MemoryCookieStore({ [cookieName]: legacy });
    const session = await getIronSession<Data>(cookies, redis.options());
    expect({ ...session }).toEqual({ state: "csrf-1", user: "u" });
    await session.save();
    expect({ ...(await redis.open(cookies.written())) }).toEqual({ state: "csrf-1", user: "u" });
  });

  test("sessionInfo(session) and regenerateSession(session) carry Ironlink's extras", async () => {
    const { cookie, sid, redisKey } = await redis.create({ user: "planted" });
    const cookies = new MemoryCookieStore({ [cookieName]: cookie });
    const session = await getIronSession<Data>(cookies, redis.options());
    expect(sessionInfo(session)).toEqual({ state: "active", publicId: redisKey.slice(redis.prefix.length) });
    await regenerateSession(session);
    expect({ ...session }).toEqual({});
    expect(sessionInfo(session)).toEqual({ state: "anonymous", publicId: undefined });
    expect(await redis.client.exists(redisKey)).toBe(0);
    session.user = "signed-in";
    await session.save();
    expect(await sidOf(cookies.written())).not.toBe(sid);
    expect(sessionInfo(session).state).toBe("active");
    expect(() => sessionInfo({} as IronSession<Data>)).toThrow(TypeError);
  });
});
