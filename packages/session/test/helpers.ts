import { createHash, randomUUID } from "node:crypto";
import { Cluster, type Redis } from "ioredis";
import { unsealData } from "iron-session";
import { afterAll, expect, inject } from "vitest";
import "@ironlink/testing"; // types inject("redisConnection")
import { createSessionManager, getIronSession, type SessionManager, type SessionOptions } from "../src/index";
import type { CookieStore } from "../src/cookies";
import type { Session } from "../src/session";
import { SessionConfigError } from "../src/errors";
import { normalizeOptions } from "../src/options";
import { createRedisClient, RedisStore } from "../src/redis";

export const password = "test-password-with-at-least-32-characters";
export const otherPassword = "another-password-with-at-least-32-chars!";
export const cookieName = "ironlink_test";
export const ttl = 3600;

type CookieWrite = { name: string; value: string; options: Parameters<CookieStore["set"]>[2] };

/** The shape of Next's `await cookies()`: get(name) and set(name, value, options), nothing more. */
export class MemoryCookieStore implements CookieStore {
  readonly values = new Map<string, string>();
  readonly writes: CookieWrite[] = [];

  constructor(cookies: Record<string, string | undefined> = {}) {
    for (const [name, value] of Object.entries(cookies)) if (value !== undefined) this.values.set(name, value);
  }

  get(name: string): { name: string; value: string } | undefined {
    const value = this.values.get(name);
    return value === undefined ? undefined : { name, value };
  }

  set(name: string, value: string, options?: CookieWrite["options"]): void {
    this.writes.push({ name, value, options });
    this.values.set(name, value);
  }

  /** The last value written for the cookie; fails the test if none was. */
  written(name = cookieName): string {
    const write = this.writes.filter((w) => w.name === name).pop();
    if (!write) throw new Error(`no ${name} cookie was written`);
    return write.value;
  }
}

/** The topology this run's Redis has (IRONLINK_TEST_REDIS): "single", "cluster" or "sentinel". */
export const topology = inject("redisTopology");

/** A client for this run's Redis, whatever its topology. */
export function testRedisClient(): Redis | Cluster {
  return createRedisClient(inject("redisConnection"));
}

export interface TestRedis {
  /** A Cluster client when the run's topology is a cluster, else a client of the (primary) server. */
  client: Redis | Cluster;
  store: RedisStore;
  prefix: string;
  /** Valid options over this file's store, with overrides. */
  options(overrides?: Partial<SessionOptions>): SessionOptions;
  /** getIronSession through a cookie store holding `cookie` (or no cookie). */
  open<T extends object = Record<string, unknown>>(cookie?: string, overrides?: Partial<SessionOptions>): Promise<Session<T>>;
  /** Saves a new session with the data and returns its cookie, id and full Redis key. */
  create(data: Record<string, unknown>, overrides?: Partial<SessionOptions>): Promise<{ cookie: string; sid: string; redisKey: string }>;
  /** The full Redis key (prefix included) a session id is stored under. */
  redisKeyFor(sid: string): string;
  /** Every key under this file's prefix (on a cluster, from every master). */
  keys(): Promise<string[]>;
  /** A session manager over this file's store (or another one, given in the overrides). */
  manager<T extends object = Record<string, unknown>>(overrides?: Partial<SessionOptions>): SessionManager<T>;
}

/** A client and store for one test file, on the run's Redis, under a key prefix no other file uses. */
export function useTestRedis(): TestRedis {
  const client = testRedisClient();
  const prefix = `test:${randomUUID()}:`;
  const store = new RedisStore({ client, prefix });
  afterAll(async () => {
    await client.quit();
  });

  const options = (overrides: Partial<SessionOptions> = {}): SessionOptions => ({ password, cookieName, ttl, store, ...overrides });
  const redisKeyFor = (sid: string) => prefix + sha256(sid);

  return {
    client,
    store,
    prefix,
    options,
    redisKeyFor,
    open: (cookie, overrides) => getIronSession(new MemoryCookieStore({ [cookieName]: cookie }), options(overrides)),
    async create(data, overrides) {
      const cookies = new MemoryCookieStore();
      const session = await getIronSession<Record<string, unknown>>(cookies, options(overrides));
      Object.assign(session, data);
      await session.save();
      const cookie = cookies.written();
      const sid = await sidOf(cookie, overrides?.password ?? password);
      return { cookie, sid, redisKey: redisKeyFor(sid) };
    },
    manager: (overrides) => createSessionManager(options(overrides)),
    async keys() {
      // SCAN walks one server's keyspace: on a cluster, every master's (known once the client is ready).
      if (client instanceof Cluster && client.status !== "ready") await client.ping();
      const servers = client instanceof Cluster ? client.nodes("master") : [client];
      const found: string[] = [];
      for (const server of servers) {
        let cursor = "0";
        do {
          const [next, batch] = await server.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
          found.push(...batch);
          cursor = next;
        } while (cursor !== "0");
      }
      return found;
    },
  };
}

/** SHA-256, base64url: computed here independently of the package's storeKeyFor. */
export function sha256(value: string): string {
  return createHash("sha256").update(value).digest("base64url");
}

/** The session id in a cookie, opened with iron-session itself. */
export async function sidOf(cookie: string, pw: SessionOptions["password"] = password): Promise<string> {
  const payload = await unsealData<{ sid?: string }>(cookie, { password: pw });
  if (typeof payload.sid !== "string") throw new Error("the cookie holds no sid");
  return payload.sid;
}

/** A clock for the `clock` option that moves only when told to. */
export interface ManualClock {
  /** Epoch ms. */
  now: number;
  readonly start: number;
  clock: () => number;
  advance(seconds: number): number;
  /** Sets the time to `seconds` after the start; returns it. */
  at(seconds: number): number;
}

export function manualClock(start = Date.now()): ManualClock {
  const c: ManualClock = {
    now: start,
    start,
    clock: () => c.now,
    advance(seconds) {
      c.now += seconds * 1000;
      return c.now;
    },
    at(seconds) {
      c.now = start + seconds * 1000;
      return c.now;
    },
  };
  return c;
}

/** The plaintext of a stored value, as the library seals it: `{ key, data, createdAt, touchedAt }`. */
export function storedValue(key: string, data: unknown, createdAt = Date.now(), touchedAt = createdAt) {
  return { key, data, createdAt, touchedAt };
}

/** The data fields of a session, without its methods. */
export function dataOf(session: object): Record<string, unknown> {
  return { ...session };
}

/** A RedisStore on a connection of its own that records every command it sends to Redis. */
export interface CountingStore {
  store: RedisStore;
  /** Runs `action` and returns the commands this store sent meanwhile, lower-cased ("get", "set", "eval"...). */
  measure(action: () => Promise<unknown>): Promise<string[]>;
}

/**
 * Counts at ioredis' `sendCommand`, which every command goes through (pipelines and scripts too), on a
 * connection no other test file shares: what other files send to the same Redis in parallel is not counted.
 * Call at the top level of a test file, next to useTestRedis().
 */
export function useCountingStore(redis: TestRedis): CountingStore {
  const client = testRedisClient();
  const sent: string[] = [];
  // Redis' and Cluster's sendCommand both take the command first (a Cluster also a stream and a node after it).
  const target = client as unknown as { sendCommand(command: { name: string }, ...rest: unknown[]): unknown };
  const send = target.sendCommand.bind(target);
  target.sendCommand = (command, ...rest) => {
    sent.push(command.name.toLowerCase());
    return send(command, ...rest);
  };
  afterAll(async () => {
    await client.quit();
  });
  return {
    store: new RedisStore({ client, prefix: redis.prefix }),
    async measure(action) {
      await client.ping(); // connected and past ioredis' ready check, whose INFO must not count
      sent.length = 0;
      await action();
      return sent.splice(0);
    },
  };
}

/** Asserts that normalizing `options` fails with a SessionConfigError whose message matches. */
export function expectConfigError(options: SessionOptions, message: RegExp): void {
  let error: unknown;
  try {
    normalizeOptions(options);
  } catch (caught) {
    error = caught;
  }
  expect(error, `options ${JSON.stringify(options, (k, v) => (k === "store" ? undefined : v))}`).toBeInstanceOf(SessionConfigError);
  expect((error as SessionConfigError).code).toBe("IRONLINK_SESSION_CONFIG");
  expect((error as Error).message).toMatch(message);
}

/** Options that are wrong on purpose: the type system would stop most of them, JavaScript callers would not. */
export function badOptions(redis: TestRedis) {
  return (overrides: Record<string, unknown>) => ({ ...redis.options(), ...overrides }) as SessionOptions;
}
