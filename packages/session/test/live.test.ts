import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { afterAll, describe, expect, test } from "vitest";
import { createLiveStreams, liveEvents, openLiveStream } from "../src/live";
import { FileStore } from "../src/file";
import { RedisStore } from "../src/redis";
import type { SessionStore } from "../src/stores/session-store";
import { testRedisClient } from "./helpers";

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
