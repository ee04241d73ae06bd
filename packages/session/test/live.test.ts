import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { afterAll, describe, expect, test } from "vitest";
import { createLiveStreams, liveEvents, liveStreamDefaults, openLiveStream } from "../src/live";
import { createSessionManager, sessionInfo } from "../src/index";
import { readLiveStreamLimits } from "../src/fleet/config";
import { FileStore } from "../src/file";
import { RedisStore } from "../src/redis";
import type { SessionStore } from "../src/stores/session-store";
import { cookieName, MemoryCookieStore, password, testRedisClient } from "./helpers";

const clients: { quit(): Promise<unknown> }[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const client of clients) await client.quit();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Two apps' stores of one fleet: separate clients on the same keys (Redis), or the same shared directory. */
function redisStores(): [SessionStore, SessionStore] {
  const prefix = `live-test:${randomUUID()}:`;
  const open = () => {
    const client = testRedisClient();
    clients.push(client);
    return new RedisStore({ client, prefix });
  };
  return [open(), open()];
}

async function fileStores(): Promise<[SessionStore, SessionStore]> {
  const dir = await mkdtemp(join(tmpdir(), "ironlink-live-"));
  dirs.push(dir);
  return [new FileStore({ dir }), new FileStore({ dir })];
}

const newKey = () => createHash("sha256").update(randomBytes(32)).digest("base64url");
const until = async (condition: () => boolean, ms = 3_000) => {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  return condition();
};

describe.each([
  ["Redis", async () => redisStores()],
  ["files", fileStores],
])("live streams (%s)", (_kind, makeStores) => {
  test("a session deleted by another app's store ends every stream watching it, and only those", async () => {
    const [mine, other] = await makeStores();
    const streams = createLiveStreams(mine);
    const [a, b] = [newKey(), newKey()];
    for (const key of [a, b]) await other.set(key, "v", { mode: "create", now: Date.now(), expiresAt: Date.now() + 60_000 });
    const ended: string[] = [];
    await streams.open(a, () => ended.push("a1"));
    await streams.open(a, () => ended.push("a2"));
    await streams.open(b, () => ended.push("b"));
    expect(streams.size).toBe(3);
    const started = Date.now();
    await other.delete(a);
    expect(await until(() => ended.length === 2)).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(ended.sort()).toEqual(["a1", "a2"]);
    expect(streams.size).toBe(1);
    await streams.close();
  });

  test("a timeout ends the stream without any announcement; a session already gone opens no stream", async () => {
    const [store] = await makeStores();
    const streams = createLiveStreams(store);
    const key = newKey();
    await store.set(key, "v", { mode: "create", now: Date.now(), expiresAt: Date.now() + 300 });
    let ended = false;
    expect(typeof (await streams.open(key, () => (ended = true)))).toBe("function");
    expect(await until(() => ended, 2_000)).toBe(true);
    expect(await streams.open(newKey(), () => {})).toBeUndefined();
    await streams.close();
  });
});

test("past the bound a stream is refused; a stopped stream frees its place; the opening lines, then ended", async () => {
  const [store] = redisStores();
  const streams = createLiveStreams(store, { max: 2 });
  const key = newKey();
  await store.set(key, "v", { mode: "create", now: Date.now(), expiresAt: Date.now() + 60_000 });
  const written: string[] = [];
  let closed = false;
  const first = await openLiveStream(streams, key, { write: (chunk) => written.push(chunk), end: () => (closed = true) });
  const second = await streams.open(key, () => {});
  expect(await streams.open(key, () => {})).toBe("busy");
  if (typeof second !== "function" || typeof first !== "function") throw new Error("not opened");
  second();
  expect(streams.size).toBe(1);
  expect(written).toEqual([liveEvents.open]);
  await store.delete(key);
  expect(await until(() => closed)).toBe(true);
  expect(written).toEqual([liveEvents.open, liveEvents.ended]);
  await streams.close();
});

/** A session of `store` that lives a minute, by its public id. */
async function liveSession(store: SessionStore): Promise<string> {
  const key = newKey();
  await store.set(key, "v", { mode: "create", now: Date.now(), expiresAt: Date.now() + 60_000 });
  return key;
}

test("one session holds at most 4 streams (then 'limited', the kits' 429); another session still opens; a stopped stream frees its place", async () => {
  const [store] = redisStores();
  const streams = createLiveStreams(store);
  expect(liveStreamDefaults.perSession).toBe(4);
  const [mine, theirs] = [await liveSession(store), await liveSession(store)];
  const stops = [];
  for (let i = 0; i < 4; i++) stops.push(await streams.open(mine, () => {}, { address: "192.0.2.1" }));
  expect(stops.every((stop) => typeof stop === "function")).toBe(true);
  // A fifth from the same cookie, whatever address it comes from.
  expect(await streams.open(mine, () => {}, { address: "192.0.2.1" })).toBe("limited");
  expect(await streams.open(mine, () => {}, { address: "198.51.100.2" })).toBe("limited");
  expect(typeof (await streams.open(theirs, () => {}, { address: "192.0.2.1" }))).toBe("function");
  expect(streams.size).toBe(5);
  (stops[0] as () => void)();
  expect(typeof (await streams.open(mine, () => {}))).toBe("function");
  await streams.close();
});

test("one address holds at most perAddress streams; other addresses and unknown ones still open; an ended stream frees its place", async () => {
  const [store] = redisStores();
  const streams = createLiveStreams(store, { perAddress: 3 });
  const office = "203.0.113.7";
  const sessions = [await liveSession(store), await liveSession(store), await liveSession(store), await liveSession(store)];
  for (const key of sessions.slice(0, 3)) expect(typeof (await streams.open(key, () => {}, { address: office }))).toBe("function");
  expect(await streams.open(sessions[3] as string, () => {}, { address: office })).toBe("limited");
  expect(typeof (await streams.open(sessions[3] as string, () => {}, { address: "203.0.113.8" }))).toBe("function");
  expect(typeof (await streams.open(sessions[3] as string, () => {}))).toBe("function");
  // A session that ends gives its address's place back.
  await store.delete(sessions[0] as string);
  expect(await until(() => streams.size === 4)).toBe(true);
  expect(typeof (await streams.open(sessions[3] as string, () => {}, { address: office }))).toBe("function");
  // Refused opens took nothing: the bound is still exactly three for the office.
  expect(await streams.open(sessions[1] as string, () => {}, { address: office })).toBe("limited");
  await streams.close();
});

test("a stream past its maximum age ends cleanly (no 'ended' event, the page reconnects) and frees its place; the session lives on", async () => {
  const [store] = redisStores();
  const streams = createLiveStreams(store, { maxAgeMs: 300, perSession: 1 });
  const key = await liveSession(store);
  const written: string[] = [];
  let closed = 0;
  const started = Date.now();
  const opened = await openLiveStream(streams, key, { write: (chunk) => written.push(chunk), end: () => (closed += 1) });
  expect(typeof opened).toBe("function");
  expect(await streams.open(key, () => {})).toBe("limited");
  expect(await until(() => closed === 1, 3_000)).toBe(true);
  expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  expect(written).toEqual([liveEvents.open]);
  expect(streams.size).toBe(0);
  expect(await store.expiresIn?.(key)).toBeGreaterThan(0);
  // The reconnect gets its place back.
  let reason = "";
  expect(typeof (await streams.open(key, (why) => (reason = why)))).toBe("function");
  expect(await until(() => reason !== "", 3_000)).toBe(true);
  expect(reason).toBe("expired");
  expect(closed).toBe(1);
  await streams.close();
});

test("revoking a session, and revoking every session of its user, ends their streams", async () => {
  const [store] = redisStores();
  const sessions = createSessionManager<{ user?: { id: string } }>({ password, cookieName, ttl: 3600, store, userId: (data) => (data as { user?: { id: string } }).user?.id });
  const signIn = async () => {
    const session = await sessions.getSession(new MemoryCookieStore());
    session.user = { id: "ida" };
    await session.save();
    return sessionInfo(session).publicId as string;
  };
  const [one, two, three] = [await signIn(), await signIn(), await signIn()];
  const streams = createLiveStreams(store);
  const ended: string[] = [];
  for (const [name, key] of Object.entries({ one, two, three })) await streams.open(key, (reason) => ended.push(`${name} ${reason}`));
  expect(await sessions.revokeSession(one)).toBe(true);
  expect(await until(() => ended.length === 1)).toBe(true);
  expect(ended).toEqual(["one ended"]);
  await sessions.revokeUserSessions("ida");
  expect(await until(() => ended.length === 3)).toBe(true);
  expect(ended.sort()).toEqual(["one ended", "three ended", "two ended"]);
  expect(streams.size).toBe(0);
  await streams.close();
});

test("a full process answers 'busy' (503) to everyone, before any session's or address's share is asked", async () => {
  const [store] = redisStores();
  const streams = createLiveStreams(store, { max: 2, perSession: 1, perAddress: 1 });
  const [a, b, c] = [await liveSession(store), await liveSession(store), await liveSession(store)];
  expect(typeof (await streams.open(a, () => {}, { address: "192.0.2.1" }))).toBe("function");
  expect(typeof (await streams.open(b, () => {}, { address: "192.0.2.2" }))).toBe("function");
  expect(await streams.open(a, () => {}, { address: "192.0.2.1" })).toBe("busy");
  expect(await streams.open(c, () => {}, { address: "192.0.2.3" })).toBe("busy");
  await streams.close();
});

test("the bounds' settings: read from the environment, unset keeps the defaults, a bad value names its variable", () => {
  expect(readLiveStreamLimits({})).toEqual({ max: undefined, perSession: undefined, perAddress: undefined, maxAgeMs: undefined });
  const env = { IRONLINK_MAX_STREAMS: "500", IRONLINK_MAX_STREAMS_PER_SESSION: "2", IRONLINK_MAX_STREAMS_PER_ADDRESS: "300", IRONLINK_STREAM_MAX_AGE: "60" };
  expect(readLiveStreamLimits(env)).toEqual({ max: 500, perSession: 2, perAddress: 300, maxAgeMs: 60_000 });
  expect(() => readLiveStreamLimits({ IRONLINK_MAX_STREAMS_PER_SESSION: "0" })).toThrow(/IRONLINK_MAX_STREAMS_PER_SESSION/);
  expect(() => readLiveStreamLimits({ IRONLINK_STREAM_MAX_AGE: "soon" })).toThrow(/IRONLINK_STREAM_MAX_AGE/);
  expect(liveStreamDefaults).toMatchObject({ perSession: 4, perAddress: 1000, maxAgeSeconds: 900 });
});
