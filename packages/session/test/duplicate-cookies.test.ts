import { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import { sealData } from "iron-session";
import { describe, expect, test } from "vitest";
import { cookieStoreWithHeader, getIronSession, regenerateSession, sessionInfo, type SessionOptions } from "../src/index";
import type { Session } from "../src/session";
import { cookieName, MemoryCookieStore, otherPassword, password, useCountingStore, useTestRedis } from "./helpers";

const redis = useTestRedis();
const counting = useCountingStore(redis);

type Data = { user?: string; n?: number };

/** A Cookie header carrying each value under the session cookie's name, in order, between two other cookies. */
const cookieHeader = (values: string[]) => ["a=1", ...values.map((value) => `${cookieName}=${encodeURIComponent(value)}`), "b=2"].join("; ");

/** One way an app hands a request to getIronSession: it opens the request and tells which session cookies were written. */
interface CallForm {
  name: string;
  open(values: string[], options: SessionOptions): Promise<{ session: Session<Data>; written(): string[] }>;
}

const callForms: CallForm[] = [
  {
    name: "node:http (IncomingMessage, ServerResponse)",
    async open(values, options) {
      const req = new IncomingMessage(new Socket());
      req.headers = { cookie: cookieHeader(values) };
      const res = new ServerResponse(req);
      const session = await getIronSession<Data>(req, res, options);
      return { session, written: () => ourValues([res.getHeader("set-cookie") ?? []].flat().map(String)) };
    },
  },
  {
    name: "Fetch (Request, Response)",
    async open(values, options) {
      const response = new Response(null);
      const request = new Request("http://localhost/", { headers: { cookie: cookieHeader(values) } });
      const session = await getIronSession<Data>(request, response, options);
      return { session, written: () => ourValues(response.headers.getSetCookie()) };
    },
  },
  {
    name: "cookie store, through cookieStoreWithHeader",
    async open(values, options) {
      // Next's cookies() keeps one value per name, the last one in the header.
      const store = new MemoryCookieStore({ [cookieName]: values.at(-1) });
      const session = await getIronSession<Data>(cookieStoreWithHeader(store, cookieHeader(values)), options);
      return { session, written: () => store.writes.filter((w) => w.name === cookieName).map((w) => w.value) };
    },
  },
];

/** The values of our cookie in Set-Cookie headers. */
function ourValues(setCookies: string[]): string[] {
  return setCookies.filter((c) => c.startsWith(`${cookieName}=`)).map((c) => decodeURIComponent(c.slice(cookieName.length + 1).split(";")[0]!));
}

describe.each(callForms)("two cookies of the session's name: $name", (form) => {
  const options = redis.options();

  test("the victim's and an attacker's live sessions: anonymous, whichever comes first, and neither is touched", async () => {
    const victim = await redis.create({ user: "victim", n: 1 });
    const attacker = await redis.create({ user: "attacker", n: 2 });
    for (const values of [
      [victim.cookie, attacker.cookie],
      [attacker.cookie, victim.cookie],
    ]) {
      const { session, written } = await form.open(values, options);
      expect(sessionInfo(session).state).toBe("anonymous");
      expect({ ...session }).toEqual({});
      expect(sessionInfo(session).publicId).toBeUndefined();
      expect(written()).toEqual([]);
    }
    expect({ ...(await redis.open(victim.cookie)) }).toEqual({ user: "victim", n: 1 });
    expect({ ...(await redis.open(attacker.cookie)) }).toEqual({ user: "attacker", n: 2 });
  });

  test("after such a conflict, save, destroy and regenerate + save write the cookie as usual, and end neither session", async () => {
    const victim = await redis.create({ user: "victim" });
    const attacker = await redis.create({ user: "attacker" });
    const values = [victim.cookie, attacker.cookie];

    const saved = await form.open(values, options);
    saved.session.n = 1;
    await saved.session.save();
    expect(sessionInfo(saved.session).state).toBe("active");
    const [cookie] = saved.written();
    expect({ ...(await redis.open(cookie)) }).toEqual({ n: 1 }); // a new session with this request's data only

    const destroyed = await form.open(values, options);
    await destroyed.session.destroy();
    expect(destroyed.written()).toEqual([""]);

    const regenerated = await form.open(values, options);
    await regenerateSession(regenerated.session);
    regenerated.session.user = "victim";
    await regenerated.session.save();
    const [signedIn] = regenerated.written();
    expect({ ...(await redis.open(signedIn)) }).toEqual({ user: "victim" });
    expect([victim.cookie, attacker.cookie]).not.toContain(signedIn);

    expect({ ...(await redis.open(victim.cookie)) }).toEqual({ user: "victim" });
    expect({ ...(await redis.open(attacker.cookie)) }).toEqual({ user: "attacker" });
  });

  test("one live session and forged, garbage or ended ones: the live one, wherever it is", async () => {
    const victim = await redis.create({ user: "victim" });
    const ended = await redis.create({ user: "signed out" });
    await (await redis.open(ended.cookie)).destroy();
    const tampered = victim.cookie.replace(/\*(.)/, (_, c: string) => `*${c === "1" ? "2" : "1"}`);
    const otherKey = await sealData({ sid: victim.sid }, { password: otherPassword });
    for (const other of ["garbage", "", tampered, otherKey, ended.cookie, `${victim.cookie.slice(0, -2)}~02`]) {
      for (const values of [
        [other, victim.cookie],
        [victim.cookie, other],
      ]) {
        const { session } = await form.open(values, options);
        expect(sessionInfo(session).state, `${values.indexOf(victim.cookie)}: ${other.slice(-8)}`).toBe("active");
        expect({ ...session }).toEqual({ user: "victim" });
        expect(sessionInfo(session).publicId).toBe(victim.redisKey.slice(redis.prefix.length));
      }
    }
  });

  test("none of them live: as for the first (expired for an ended session, anonymous for garbage)", async () => {
    const ended = await redis.create({ user: "signed out" });
    await (await redis.open(ended.cookie)).destroy();
    expect(sessionInfo((await form.open([ended.cookie, "garbage"], options)).session).state).toBe("expired");
    expect(sessionInfo((await form.open(["garbage", ended.cookie], options)).session).state).toBe("anonymous");
  });

  test("the same value twice is that session, read with one GET", async () => {
    const { cookie } = await redis.create({ user: "victim" });
    let session: Session<Data> | undefined;
    const commands = await counting.measure(async () => {
      session = (await form.open([cookie, cookie], redis.options({ store: counting.store }))).session;
    });
    expect(sessionInfo(session!).state).toBe("active");
    expect({ ...session }).toEqual({ user: "victim" });
    expect(commands).toEqual(["get"]);
  });

  test("a single cookie is still read with exactly one store command, a GET", async () => {
    const { cookie } = await redis.create({ user: "victim" });
    let session: Session<Data> | undefined;
    const commands = await counting.measure(async () => {
      session = (await form.open([cookie], redis.options({ store: counting.store }))).session;
    });
    expect({ ...session }).toEqual({ user: "victim" });
    expect(commands).toEqual(["get"]);
  });
});

describe("a legacy iron-session cookie next to another cookie of the name", () => {
  const options = redis.options({ legacyCookies: "migrate" });
  const open = (values: string[]) => getIronSession<Data>(cookieStoreWithHeader(new MemoryCookieStore(), cookieHeader(values)), options);

  test("next to a live session: anonymous, nothing migrated (two sessions the request could be in)", async () => {
    const victim = await redis.create({ user: "victim" });
    const legacy = await sealData({ user: "attacker" }, { password });
    for (const values of [
      [victim.cookie, legacy],
      [legacy, victim.cookie],
    ]) {
      const session = await open(values);
      expect(sessionInfo(session).state).toBe("anonymous");
      expect({ ...session }).toEqual({});
    }
    expect(sessionInfo(await open([legacy])).state).toBe("legacy"); // still unmigrated
  });

  test("next to garbage: the legacy cookie, to migrate", async () => {
    const legacy = await sealData({ user: "old" }, { password });
    const session = await open(["garbage", legacy]);
    expect(sessionInfo(session).state).toBe("legacy");
    expect({ ...session }).toEqual({ user: "old" });
  });
});

describe("cookieStoreWithHeader(store, cookieHeader)", () => {
  test("get and getAll read every value from the header; set writes to the store", () => {
    const store = new MemoryCookieStore({ s: "b" }); // as Next keeps it: the last value
    const cookies = cookieStoreWithHeader(store, "s=a; t=1; s=b");
    expect(cookies.get("s")).toEqual({ name: "s", value: "a" });
    expect(cookies.getAll?.("s")).toEqual([
      { name: "s", value: "a" },
      { name: "s", value: "b" },
    ]);
    expect(cookies.get("u")).toBeUndefined();
    expect(cookies.getAll?.("u")).toEqual([]);
    const options = { path: "/", httpOnly: true, secure: true, sameSite: "lax", maxAge: 60 } as const;
    cookies.set("s", "c", options);
    expect(store.writes).toEqual([{ name: "s", value: "c", options }]);
  });

  test("no header: no cookies", () => {
    for (const header of [null, undefined, ""]) expect(cookieStoreWithHeader(new MemoryCookieStore(), header).getAll?.("s")).toEqual([]);
  });

  test("a value set in the store during the request (a sign-in in a server action) is read instead of the header's", async () => {
    const old = await redis.create({ user: "before" });
    const header = cookieHeader([old.cookie]);
    const store = new MemoryCookieStore({ [cookieName]: old.cookie });
    const signIn = await getIronSession<Data>(cookieStoreWithHeader(store, header), redis.options());
    await regenerateSession(signIn);
    signIn.user = "after";
    await signIn.save();

    // The page rendered after the action reads the session again, through a new wrapper over the same header.
    const after = await getIronSession<Data>(cookieStoreWithHeader(store, header), redis.options());
    expect({ ...after }).toEqual({ user: "after" });
  });

  test("a save of the same session during the request (an app's own field, in a server action): read again, it is that session, saved", async () => {
    const { cookie } = await redis.create({ user: "staying" });
    const header = cookieHeader([cookie]);
    const store = new MemoryCookieStore({ [cookieName]: cookie });
    const action = await getIronSession<Data>(cookieStoreWithHeader(store, header), redis.options());
    action.n = 7;
    await action.save(); // sealed anew: the store now holds another cookie of the same session than the header

    // The page rendered after the action: two seals of one session are one session, not a planted second one.
    const after = await getIronSession<Data>(cookieStoreWithHeader(store, header), redis.options());
    expect(sessionInfo(after).state).toBe("active");
    expect({ ...after }).toEqual({ user: "staying", n: 7 });
  });

  test("and after a sign-out in the request, the session read again is anonymous, not expired", async () => {
    const { cookie } = await redis.create({ user: "leaving" });
    const header = cookieHeader([cookie]);
    const store = new MemoryCookieStore({ [cookieName]: cookie });
    await (await getIronSession<Data>(cookieStoreWithHeader(store, header), redis.options())).destroy();

    const after = await getIronSession<Data>(cookieStoreWithHeader(store, header), redis.options());
    expect(sessionInfo(after).state).toBe("anonymous");
    expect({ ...after }).toEqual({});
  });
});
