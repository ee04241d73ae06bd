import { randomUUID } from "node:crypto";
import { sealData, unsealData } from "iron-session";
import { describe, expect, test } from "vitest";
import { getIronSession, sessionInfo, type SessionOptions } from "../src/index";
import type { Session } from "../src/session";
import { opensV1Form } from "../src/iron-seal";
import { cookieName, MemoryCookieStore, otherPassword, password, sha256, sidOf, ttl, useTestRedis } from "./helpers";

const redis = useTestRedis();

type Data = { user?: { id: string }; n?: number };
const userIdOf = (data: Record<string, unknown>) => (data as Data).user?.id;
const migrate = (overrides: Partial<SessionOptions> = {}) => redis.options({ legacyCookies: "migrate", userId: userIdOf, ...overrides });
/** The one-time marker of a migrated cookie, named independently of the library. */
const markerKeyOf = (legacyCookie: string) => `${redis.prefix}claimed:legacy:${sha256(legacyCookie)}`;

/** A cookie as a stateless iron-session app wrote it: the data itself, sealed with iron-session's own sealData. */
function legacyCookie(data: object, sealOptions: Parameters<typeof sealData>[1] = { password }): Promise<string> {
  return sealData(data, sealOptions);
}

async function load(cookie: string | undefined, options: SessionOptions) {
  const cookies = new MemoryCookieStore({ [cookieName]: cookie });
  const session: Session<Data> = await getIronSession<Data>(cookies, options);
  return { cookies, session };
}

describe('legacyCookies: "migrate"', () => {
  test("loads an iron-session cookie's data as state legacy; save() moves it into Redis under a new id and cookie", async () => {
    const user = randomUUID();
    const legacy = await legacyCookie({ user: { id: user }, n: 1 });
    const options = migrate();

    const { cookies, session } = await load(legacy, options);
    expect(sessionInfo(session).state).toBe("legacy");
    expect({ ...session }).toEqual({ user: { id: user }, n: 1 });
    expect(sessionInfo(session).publicId).toBeUndefined();
    expect(cookies.writes).toEqual([]); // nothing happens until save()
    expect(await redis.client.exists(markerKeyOf(legacy))).toBe(0);

    await session.save();
    expect(sessionInfo(session).state).toBe("active");
    const cookie = cookies.written();
    expect(cookies.writes).toHaveLength(1);
    expect(Object.keys(await unsealData(cookie, { password }))).toEqual(["sid"]); // the new cookie holds the id only
    const sid = await sidOf(cookie);
    expect(sessionInfo(session).publicId).toBe(sha256(sid));
    const stored = await unsealData<{ key: string; data: unknown }>((await redis.client.get(redis.redisKeyFor(sid)))!, { password });
    expect(stored).toMatchObject({ key: sha256(sid), data: { user: { id: user }, n: 1 } });
    expect(await redis.client.exists(markerKeyOf(legacy))).toBe(1);

    // The new cookie is a session like any other, listed under its user.
    const next = await redis.open<Data>(cookie, options);
    expect(sessionInfo(next).state).toBe("active");
    expect({ ...next }).toEqual({ user: { id: user }, n: 1 });
    expect((await redis.manager(options).listSessions(user)).map((s) => s.publicId)).toEqual([sha256(sid)]);
  });

  test("the legacy cookie presented again after its migration is expired: no data, and no second session", async () => {
    const user = randomUUID();
    const legacy = await legacyCookie({ user: { id: user }, n: 1 });
    const options = migrate();
    const first = await load(legacy, options);
    await first.session.save();

    const replay = await load(legacy, options);
    expect(sessionInfo(replay.session).state).toBe("expired");
    expect({ ...replay.session }).toEqual({});
    // Saving the replayed request starts an empty session, never one with the legacy data.
    replay.session.n = 2;
    await replay.session.save();
    expect({ ...(await redis.open(replay.cookies.written(), options)) }).toEqual({ n: 2 });
    expect(await redis.manager(options).listSessions(user)).toHaveLength(1);
  });

  test("the one-time marker lasts as long as the legacy cookie could still be presented", async () => {
    // iron-session's default seal lives 14 days, far longer than this store's ttl (1 hour).
    const legacy = await legacyCookie({ user: { id: randomUUID() } });
    const { session } = await load(legacy, migrate());
    await session.save();
    const sealExpiresAt = Number(legacy.split("*")[5]);
    expect(await redis.client.pttl(markerKeyOf(legacy))).toBeGreaterThan(sealExpiresAt - Date.now());

    // A seal that ends sooner than ttl: the marker lasts ttl at least.
    const shortLived = await legacyCookie({ user: { id: randomUUID() } }, { password, ttl: 120 });
    await (await load(shortLived, migrate())).session.save();
    expect(await redis.client.pttl(markerKeyOf(shortLived))).toBeGreaterThan((ttl - 5) * 1000);
  });

  test("two concurrent migrations of the same legacy cookie: exactly one succeeds, the other ends expired", async () => {
    const options = migrate();
    for (let round = 0; round < 20; round++) {
      const user = randomUUID();
      const legacy = await legacyCookie({ user: { id: user }, n: round });
      // Both requests load before either saves: both see the cookie as unmigrated.
      const requests = [await load(legacy, options), await load(legacy, options)];
      expect(requests.map((r) => sessionInfo(r.session).state)).toEqual(["legacy", "legacy"]);
      await Promise.all(requests.map((r) => r.session.save()));

      const states = requests.map((r) => sessionInfo(r.session).state).sort();
      expect(states, `round ${round}`).toEqual(["active", "expired"]);
      const winner = requests.find((r) => sessionInfo(r.session).state === "active")!;
      const loser = requests.find((r) => sessionInfo(r.session).state === "expired")!;
      expect(winner.cookies.writes).toHaveLength(1);
      expect(loser.cookies.writes).toEqual([]);
      expect({ ...loser.session }).toEqual({});
      expect(await redis.manager(options).listSessions(user)).toHaveLength(1);
    }
  });

  test("two concurrent requests, load and save each, with the same legacy cookie: its data lands in one session", async () => {
    const options = migrate();
    for (let round = 0; round < 20; round++) {
      const user = randomUUID();
      const legacy = await legacyCookie({ user: { id: user } });
      const requests = await Promise.all(
        [0, 1].map(async () => {
          const request = await load(legacy, options);
          const loadedAs = sessionInfo(request.session).state;
          await request.session.save();
          return { ...request, loadedAs };
        }),
      );
      const migrated = requests.filter((r) => r.session.user?.id === user);
      expect(migrated, `round ${round}`).toHaveLength(1);
      expect(migrated[0]!.loadedAs).toBe("legacy");
      expect(sessionInfo(migrated[0]!.session).state).toBe("active");
      // The other lost the claim at save() (expired, nothing written), or loaded after it (expired) and its
      // save() started a new, empty session, as a save on any ended session does.
      const other = requests.find((r) => r !== migrated[0])!;
      expect({ ...other.session }).toEqual({});
      expect(sessionInfo(other.session).state).toBe(other.loadedAs === "legacy" ? "expired" : "active");
      expect(other.cookies.writes).toHaveLength(other.loadedAs === "legacy" ? 0 : 1);
      expect(await redis.manager(options).listSessions(user)).toHaveLength(1);
    }
  });

  test("each migration gets a new session id of its own", async () => {
    const data = { user: { id: randomUUID() }, n: 1 };
    const sids = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const { cookies, session } = await load(await legacyCookie(data), migrate()); // the same data, sealed anew
      await session.save();
      sids.add(await sidOf(cookies.written()));
    }
    expect(sids.size).toBe(5);
  });

  test("a legacy cookie sealed with another password, tampered with, expired, or holding a sid field is anonymous", async () => {
    const options = migrate();
    const genuine = await legacyCookie({ user: { id: "a" }, n: 1 });
    for (const cookie of [
      await legacyCookie({ user: { id: "a" }, n: 1 }, { password: otherPassword }),
      genuine.replace(/\*(.)/, (_, c: string) => `*${c === "1" ? "2" : "1"}`),
      `${genuine.slice(0, -3)}x~2`,
      await legacyCookie({}), // nothing to migrate
      await legacyCookie({ sid: "not-a-session-id", user: { id: "a" } }),
    ]) {
      const { cookies, session } = await load(cookie, options);
      expect(sessionInfo(session).state).toBe("anonymous");
      expect({ ...session }).toEqual({});
      expect(cookies.writes).toEqual([]);
    }
  });
});

describe("a legacy cookie is one seal, whatever spelling of it is presented", () => {
  /** iron's token: the seal without iron-session's "~2" version suffix (the v1 format, which unsealData opens too). */
  const tokenOf = (seal: string) => seal.slice(0, seal.length - "~2".length);
  const claimMarkers = async () => (await redis.keys()).filter((key) => key.startsWith(`${redis.prefix}claimed:legacy:`)).sort();
  /** Presents `cookie` and saves it: it must load as no session, and the save must not bring the legacy data in. */
  async function expectNoMigration(cookie: string, options: SessionOptions) {
    const { session } = await load(cookie, options);
    expect(["anonymous", "expired"], cookie.slice(-6)).toContain(sessionInfo(session).state);
    expect({ ...session }).toEqual({});
    await session.save();
    expect(session.user).toBeUndefined();
  }
  // Data with a `persistent` field: the v1 form (the token alone), which iron-session opens to data.persistent,
  // then opens to data as well, so it would be migratable if it counted as another cookie.
  const legacyData = (user: string) => ({ user: { id: user }, persistent: { user: { id: user } } });

  test("once migrated, it does not migrate again as ~02, ~0002 or its v1 form, not even after sign-out everywhere", async () => {
    const user = randomUUID();
    const legacy = await legacyCookie(legacyData(user));
    const variants = [`${tokenOf(legacy)}~02`, `${tokenOf(legacy)}~0002`, tokenOf(legacy)];
    // Control: iron-session itself opens every variant to data.
    for (const variant of variants) expect(Object.keys(await unsealData(variant, { password })).length, variant.slice(-6)).toBeGreaterThan(0);
    const options = migrate();
    await (await load(legacy, options)).session.save();
    const markers = await claimMarkers();

    for (const variant of variants) await expectNoMigration(variant, options);
    expect(await redis.manager(options).listSessions(user)).toHaveLength(1);

    expect(await redis.manager(options).revokeUserSessions(user)).toBe(1); // "sign out everywhere"
    for (const variant of [legacy, ...variants]) await expectNoMigration(variant, options);
    expect(await redis.manager(options).listSessions(user)).toEqual([]);
    expect(await claimMarkers()).toEqual(markers);
  });

  test("a v1 cookie (the token alone) and the same token with ~2 share one claim", async () => {
    const user = randomUUID();
    // iron-session's v1 format: the data under `persistent`, no version suffix. iron-session 9 dropped the
    // format, so with 9 as the peer the token alone is not a seal at all, and never migrates.
    const v1 = tokenOf(await legacyCookie({ persistent: { user: { id: user } } }));
    const options = migrate();
    const first = await load(v1, options);
    if (!opensV1Form) return expectNoMigration(v1, options);
    expect(sessionInfo(first.session).state).toBe("legacy");
    expect({ ...first.session }).toEqual({ user: { id: user } });
    await first.session.save();

    const { session } = await load(`${v1}~2`, options); // opens to { persistent: ... }: legacy data, were it another cookie
    expect(sessionInfo(session).state).toBe("expired");
    expect({ ...session }).toEqual({});
  });

  test("any other version suffix is not a seal: anonymous, no claim, and the cookie itself still migrates", async () => {
    const user = randomUUID();
    const legacy = await legacyCookie(legacyData(user));
    const options = migrate();
    const markers = await claimMarkers();
    for (const suffix of ["~02", "~+2", "~2 ", " ~2", "~3", "~1", "~", "~2~2", "~2junk", "~2.0", "~٢"]) {
      const { cookies, session } = await load(`${tokenOf(legacy)}${suffix}`, options);
      expect(sessionInfo(session).state, JSON.stringify(suffix)).toBe("anonymous");
      expect({ ...session }).toEqual({});
      expect(cookies.writes).toEqual([]);
    }
    expect(await claimMarkers()).toEqual(markers);

    const { session } = await load(legacy, options);
    expect(sessionInfo(session).state).toBe("legacy");
    await session.save();
    expect(session.user).toEqual({ id: user });
  });
});

describe('legacyCookies: "ignore"', () => {
  test("an iron-session cookie is anonymous, and save() does not migrate it", async () => {
    const legacy = await legacyCookie({ user: { id: "a" }, n: 1 });
    for (const options of [redis.options({ legacyCookies: "ignore" })]) {
      const { cookies, session } = await load(legacy, options);
      expect(sessionInfo(session).state).toBe("anonymous");
      expect({ ...session }).toEqual({});
      await session.save();
      expect({ ...(await redis.open(cookies.written(), options)) }).toEqual({});
    }
    expect(await redis.client.exists(markerKeyOf(legacy))).toBe(0);
    // Still migratable by an app that does not opt out (migrating is the default).
    expect(sessionInfo((await load(legacy, migrate())).session).state).toBe("legacy");
    expect(sessionInfo((await load(legacy, redis.options())).session).state).toBe("legacy");
  });
});
