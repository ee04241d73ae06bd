import { describe, expect, test, vi } from "vitest";
import * as appOneLibrary from "../src/index";
import { sessionInfo } from "../src/index";
import { cookieName, MemoryCookieStore, useTestRedis } from "./helpers";

const redis = useTestRedis();

/**
 * A second copy of the library, as a second app process would have: its own write queues and seal cache,
 * so the two copies meet only in Redis, through the compare-and-set.
 */
async function loadAppTwoLibrary(): Promise<typeof appOneLibrary> {
  vi.resetModules();
  return import("../src/index");
}

describe("concurrent saves lose nothing (two apps, one session)", () => {
  test("200 concurrent pairs of saves of different fields, one from each app, all land", async () => {
    const appTwoLibrary = await loadAppTwoLibrary();
    expect(appTwoLibrary.getIronSession).not.toBe(appOneLibrary.getIronSession);
    const options = redis.options({ userId: (data) => (data as { user?: string }).user });
    const { cookie, redisKey } = await redis.create({ user: "pat" }, options);

    const pairs = Array.from({ length: 200 }, async (_, i) => {
      const [one, two] = await Promise.all([
        appOneLibrary.getIronSession<Record<string, number>>(new MemoryCookieStore({ [cookieName]: cookie }), options),
        appTwoLibrary.getIronSession<Record<string, number>>(new MemoryCookieStore({ [cookieName]: cookie }), options),
      ]);
      one[`one${i}`] = i;
      two[`two${i}`] = i;
      await Promise.all([one.save(), two.save()]);
    });
    await Promise.all(pairs);

    const stored = await redis.open<Record<string, unknown>>(cookie, options);
    const expected: Record<string, unknown> = { user: "pat" };
    for (let i = 0; i < 200; i++) Object.assign(expected, { [`one${i}`]: i, [`two${i}`]: i });
    expect({ ...stored }).toEqual(expected);
    expect(await redis.client.exists(redisKey)).toBe(1);
  });

  test("a save sees the fields other saves wrote meanwhile, and a deletion is kept", async () => {
    const { cookie } = await redis.create({ a: 1, b: 1, drop: true });
    const first = await appOneLibrary.getIronSession<Record<string, unknown>>(new MemoryCookieStore({ [cookieName]: cookie }), redis.options());
    const second = await appOneLibrary.getIronSession<Record<string, unknown>>(new MemoryCookieStore({ [cookieName]: cookie }), redis.options());
    first.a = 2;
    await first.save();
    delete second.drop;
    second.b = 2;
    await second.save();
    expect({ ...second }).toEqual({ a: 2, b: 2 });
    expect({ ...(await redis.open(cookie)) }).toEqual({ a: 2, b: 2 });
  });

  test("a save racing a sign-out in the other app never brings the session back (50 rounds)", async () => {
    const appTwoLibrary = await loadAppTwoLibrary();
    for (let round = 0; round < 50; round++) {
      const { cookie, redisKey } = await redis.create({ user: "racer" });
      const [saver, leaver] = await Promise.all([
        appOneLibrary.getIronSession<Record<string, unknown>>(new MemoryCookieStore({ [cookieName]: cookie }), redis.options()),
        appTwoLibrary.getIronSession(new MemoryCookieStore({ [cookieName]: cookie }), redis.options()),
      ]);
      saver.theme = `dark-${round}`;
      await Promise.all([saver.save(), leaver.destroy()]);
      expect(await redis.client.exists(redisKey)).toBe(0);
      expect(sessionInfo(await redis.open(cookie)).state).toBe("expired");
    }
  });
});
