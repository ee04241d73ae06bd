// What a session costs in Redis and in the browser, and what one Redis can serve: the numbers in
// docs/scaling.md. Starts a private redis-server (never touches another), writes sessions through the
// library's own write path, and reads MEMORY USAGE / INFO memory; then runs redis-benchmark against it.
//
//   npm run measure:memory -w @ironlink/session            (or: npx tsx scripts/measure-memory.ts [sessions])
import { execFileSync } from "node:child_process";
import { availableParallelism, cpus } from "node:os";
import { startRedis } from "@ironlink/testing";
import { getIronSession, sessionInfo, type SessionOptions } from "../src/index";
import type { CookieStore } from "../src/cookies";
import { createRedisClient, RedisStore } from "../src/redis";

const sessionCount = Number(process.argv[2] ?? 10_000);
const password = "a-demo-session-password-of-32-characters-or-more";
const cookieName = "ironlink_session";
// What the demo apps store (packages/next: startSession), with a typical desktop browser's user agent.
const userAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
const demoData = (i: number) => ({
  user: { id: `user${i}`, username: `User${i}` },
  signedInAt: Date.now(),
  signedInOn: i % 2 ? "one" : "two",
  userAgent,
});

class Jar implements CookieStore {
  value: string | undefined;
  get(name: string) {
    return this.value === undefined ? undefined : { name, value: this.value };
  }
  set(_name: string, value: string) {
    this.value = value;
  }
}

async function main() {
  const server = await startRedis();
  const client = createRedisClient(server.url);
  try {
    const store = new RedisStore({ client }); // the default prefix, "ironlink:session:"
    const options: SessionOptions = {
      password,
      cookieName,
      ttl: 12 * 3600,
      idleTimeout: 30 * 60,
      absoluteTimeout: 12 * 3600,
      store,
      userId: (data) => (data as { user?: { id: string } }).user?.id,
    };
    const signIn = async (i: number) => {
      const jar = new Jar();
      const session = await getIronSession(jar, options);
      Object.assign(session, demoData(i));
      await session.save();
      return { cookie: jar.value as string, key: sessionInfo(session).publicId as string };
    };
    const usedMemory = async () => Number(/^used_memory:(\d+)/m.exec(await client.info("memory"))?.[1]);

    // Warm up (script cache, client buffers), so the growth below is sessions only.
    await signIn(-1);
    await client.flushdb();
    await signIn(-2);
    const before = await usedMemory();
    const sample: Array<{ cookie: string; key: string }> = [];
    for (let i = 0; i < sessionCount; i += 100) {
      sample.push(...(await Promise.all(Array.from({ length: Math.min(100, sessionCount - i) }, (_, j) => signIn(i + j)))));
    }
    const after = await usedMemory();
    const first = sample[0] as { cookie: string; key: string };
    const sessionKey = `${store.prefix}${first.key}`;
    const indexKey = store.indexKey("user0");

    const memoryUsage = async (key: string) => Number(await client.call("MEMORY", "USAGE", key, "SAMPLES", "0"));
    const sessionBytes = await memoryUsage(sessionKey);
    const indexBytesOne = await memoryUsage(indexKey);
    // A user signed in on 11 devices: the index's marginal cost per entry.
    for (let device = 0; device < 10; device++) {
      const jar = new Jar();
      const session = await getIronSession(jar, options);
      Object.assign(session, { ...demoData(0), signedInOn: `device ${device}` });
      await session.save();
    }
    const indexBytesEleven = await memoryUsage(indexKey);
    const storedBytes = await client.strlen(sessionKey);
    const setCookie = `${cookieName}=${first.cookie}; Path=/; Max-Age=43200; HttpOnly; SameSite=Lax`;

    const perSession = (after - before) / sessionCount;
    const gib = 1024 ** 3;
    const redisVersion = /^redis_version:(\S+)/m.exec(await client.info("server"))?.[1];
    const benchmark = (extra: string[]) =>
      execFileSync("redis-benchmark", ["-h", server.host, "-p", String(server.port), "-q", "-n", "100000", "-t", "get,set", "-P", "1", ...extra], {
        encoding: "utf8",
      })
        .split(/\r/)
        .map((line) => line.trim())
        .filter((line) => /requests per second/.test(line))
        .join("; ");

    const results = {
      machine: `${availableParallelism()} CPUs (${cpus()[0]?.model ?? "unknown"}), Node ${process.version}, redis-server ${redisVersion}`,
      sessions: sessionCount,
      "stored value (sealed), bytes": storedBytes,
      "MEMORY USAGE of a session key, bytes": sessionBytes,
      "MEMORY USAGE of a user index with 1 entry, bytes": indexBytesOne,
      "index bytes per extra entry (11 entries vs 1)": Math.round((indexBytesEleven - indexBytesOne) / 10),
      "cookie value, bytes": first.cookie.length,
      "Set-Cookie header value, bytes": setCookie.length,
      "used_memory growth per session (session + its user's index), bytes": Math.round(perSession),
      "used_memory growth per 10,000 sessions, MB": Number(((perSession * 10_000) / 1e6).toFixed(2)),
      "sessions per GiB of used_memory": Math.floor(gib / perSession),
      "redis-benchmark -q -n 100000 -t get,set -P 1 (3-byte values)": benchmark([]),
      [`the same with -d ${storedBytes} (a session's size)`]: benchmark(["-d", String(storedBytes)]),
    };
    for (const [name, value] of Object.entries(results)) console.log(`${name}: ${value}`);
  } finally {
    client.disconnect();
    await server.stop();
  }
}

await main();
