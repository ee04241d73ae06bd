import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Cluster, Redis } from "ioredis";
import { SessionStoreUnavailableError } from "../../errors";
import { writeFileAtomic } from "../../stores/file-io";
import { hashedName } from "../../session-id";

/**
 * Where the OpenID Provider keeps its state and the fleet its OIDC sign-ins: the fleet's Redis or its shared
 * directory. Values arrive sealed (adapter.ts) and keys hashed, so this layer never sees a token. Each
 * operation is one command on one key (or one rename), so it holds on a Redis Cluster; a record, its mark
 * and its note share a hash tag, so they live in one slot and are read with one MGET.
 */
export interface OidcRecords {
  put(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** The value, when the record was marked (epoch seconds) if it was, and its note if it has one: one round trip. */
  get(key: string): Promise<{ value: string; markedAt: number | undefined; note: string | undefined } | null>;
  /** A short value kept beside the record and read with it (a grant's fleet session). */
  putNote(key: string, note: string, ttlSeconds: number): Promise<void>;
  /** Deletes the record, its mark and its note. */
  delete(key: string): Promise<void>;
  /** Marks the record once: true for the first caller only (SET NX; an exclusive create): a rotated refresh token's "consumed". */
  markOnce(key: string, ttlSeconds: number): Promise<boolean>;
  /**
   * Reads the record and marks it in one step (one command): `markedAt` is undefined for the caller that
   * marked it, the earlier mark's time for every later one. A code is read this way once, by its exchange.
   */
  takeOnce(key: string, ttlSeconds: number): Promise<{ value: string; markedAt: number | undefined } | null>;
  addMember(set: string, member: string, ttlSeconds: number): Promise<void>;
  /** Takes a set's members and deletes the set at once: two callers never both get a member. */
  takeMembers(set: string): Promise<string[]>;
  /** The due list: `member` is to be looked at by `at` (epoch ms); `due` lists up to `limit` of those due by `now`. */
  schedule(member: string, at: number): Promise<void>;
  due(now: number, limit: number): Promise<string[]>;
  unschedule(member: string): Promise<void>;
}

/** A Redis that does not answer is the store's outage, as for sessions. */
const unavailableOnError = <T>(command: Promise<T>): Promise<T> => SessionStoreUnavailableError.wrap("Redis did not answer", () => command);

/** SADD and EXPIRE in one command (one key, so any Cluster slot). */
const addMemberScript = { numberOfKeys: 1, lua: "redis.call('SADD', KEYS[1], ARGV[1]); return redis.call('EXPIRE', KEYS[1], ARGV[2])" };
/** A record and its mark (one hash tag, one slot): the value and the earlier mark, the mark set if there was none. */
const takeOnceScript = {
  numberOfKeys: 2,
  lua: "local v = redis.call('GET', KEYS[1]); if not v then return nil end; local m = redis.call('GET', KEYS[2]); if not m then redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2]) end; return {v, m or ''}",
};
type Scripted = {
  ironlinkOidcAddMember(key: string, member: string, ttl: number): Promise<number>;
  ironlinkOidcTakeOnce(key: string, mark: string, now: string, ttl: number): Promise<[string, string] | null>;
};

export function redisRecords(client: Redis | Cluster, prefix: string): OidcRecords {
  const keyOf = (key: string) => `${prefix}{${key}}`;
  const markOf = (key: string) => `${keyOf(key)}:mark`;
  const noteOf = (key: string) => `${keyOf(key)}:note`;
  const dueKey = `${prefix}due`;
  if (!("ironlinkOidcAddMember" in client)) client.defineCommand("ironlinkOidcAddMember", addMemberScript);
  if (!("ironlinkOidcTakeOnce" in client)) client.defineCommand("ironlinkOidcTakeOnce", takeOnceScript);
  const scripted = client as unknown as Scripted;
  const now = () => String(Math.floor(Date.now() / 1000));
  return {
    put: async (key, value, ttl) => void (await unavailableOnError(client.set(keyOf(key), value, "EX", ttl))),
    get: async (key) => {
      const [value, mark, note] = await unavailableOnError(client.mget(keyOf(key), markOf(key), noteOf(key)));
      return value ? { value, markedAt: mark ? Number(mark) : undefined, note: note ?? undefined } : null;
    },
    putNote: async (key, note, ttl) => void (await unavailableOnError(client.set(noteOf(key), note, "EX", ttl))),
    delete: async (key) => void (await unavailableOnError(client.del(keyOf(key), markOf(key), noteOf(key)))),
    markOnce: async (key, ttl) => (await unavailableOnError(client.set(markOf(key), now(), "EX", ttl, "NX"))) === "OK",
    takeOnce: async (key, ttl) => {
      const taken = await unavailableOnError(scripted.ironlinkOidcTakeOnce(keyOf(key), markOf(key), now(), ttl));
      return taken ? { value: taken[0], markedAt: taken[1] ? Number(taken[1]) : undefined } : null;
    },
    addMember: async (set, member, ttl) => void (await unavailableOnError(scripted.ironlinkOidcAddMember(keyOf(set), member, ttl))),
    takeMembers: async (set) => {
      const replies = await unavailableOnError(client.multi().smembers(keyOf(set)).del(keyOf(set)).exec());
      return (replies?.[0]?.[1] as string[] | undefined) ?? [];
    },
    schedule: async (member, at) => void (await unavailableOnError(client.zadd(dueKey, at, member))),
    due: (now, limit) => unavailableOnError(client.zrangebyscore(dueKey, "-inf", now, "LIMIT", 0, limit)),
    unschedule: async (member) => void (await unavailableOnError(client.zrem(dueKey, member))),
  };
}

/**
 * The same in a directory: a file per record (`<expiry>\n<value>`), a mark as a file made exclusively, a set
 * as a directory of member files (renamed away whole to take it), the due list as a file per member.
 * Expired files are removed at most once a minute, by the next write.
 */
export function fileRecords(dir: string): OidcRecords {
  const pathOf = (key: string) => join(dir, "records", hashedName(key));
  const setDir = (set: string) => join(dir, "sets", hashedName(set));
  const duePath = (member: string) => join(dir, "due", hashedName(member));
  const sweeper = expiredFileSweeper(dir);
  const readLive = async (path: string) => {
    const content = await readFile(path, "utf8").catch(() => undefined);
    if (content === undefined) return undefined;
    const newline = content.indexOf("\n");
    return Number(content.slice(0, newline)) > Date.now() ? content.slice(newline + 1) : undefined;
  };
  const write = async (path: string, content: string, ttl: number) => {
    await mkdir(join(path, ".."), { recursive: true });
    await writeFileAtomic(path, `${Date.now() + ttl * 1000}\n${content}`);
    void sweeper();
  };
  return {
    put: (key, value, ttl) => write(pathOf(key), value, ttl),
    get: async (key) => {
      const value = await readLive(pathOf(key));
      if (value === undefined) return null;
      const [mark, note] = await Promise.all([readLive(`${pathOf(key)}.mark`), readLive(`${pathOf(key)}.note`)]);
      return { value, markedAt: mark === undefined ? undefined : Number(mark), note };
    },
    putNote: (key, note, ttl) => write(`${pathOf(key)}.note`, note, ttl),
    delete: async (key) => {
      await Promise.all(["", ".mark", ".note"].map((suffix) => rm(`${pathOf(key)}${suffix}`, { force: true })));
    },
    markOnce: async (key, ttl) => {
      await mkdir(join(dir, "records"), { recursive: true });
      const content = `${Date.now() + ttl * 1000}\n${Math.floor(Date.now() / 1000)}`;
      return writeFile(`${pathOf(key)}.mark`, content, { flag: "wx" }).then(() => true, (error: NodeJS.ErrnoException) => (error.code === "EEXIST" ? false : Promise.reject(error)));
    },
    async takeOnce(key, ttl) {
      const record = await this.get(key);
      if (!record) return null;
      if (await this.markOnce(key, ttl)) return { value: record.value, markedAt: undefined };
      return { value: record.value, markedAt: (await this.get(key))?.markedAt ?? Math.floor(Date.now() / 1000) };
    },
    addMember: (set, member, ttl) => write(join(setDir(set), hashedName(member)), member, ttl),
    takeMembers: async (set) => {
      const taken = `${setDir(set)}.taken-${randomUUID()}`;
      const moved = await rename(setDir(set), taken).then(() => true, (error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? false : Promise.reject(error)));
      if (!moved) return [];
      const names = await readdir(taken);
      const members = await Promise.all(names.map((name) => readLive(join(taken, name))));
      await rm(taken, { recursive: true, force: true });
      return members.filter((member): member is string => member !== undefined);
    },
    schedule: (member, at) => write(duePath(member), `${at}\n${member}`, 86_400 * 30),
    due: async (now, limit) => {
      const names = await readdir(join(dir, "due")).catch(() => [] as string[]);
      const due: string[] = [];
      for (const name of names) {
        if (due.length >= limit) break;
        const entry = await readLive(join(dir, "due", name));
        const newline = entry?.indexOf("\n") ?? -1;
        if (entry && Number(entry.slice(0, newline)) <= now) due.push(entry.slice(newline + 1));
      }
      return due;
    },
    unschedule: (member) => rm(duePath(member), { force: true }),
  };
}

/** Removes records, marks and members past their expiry: at most one pass a minute. */
function expiredFileSweeper(dir: string): () => Promise<void> {
  let last = Date.now();
  const sweep = async (path: string): Promise<void> => {
    for (const entry of await readdir(path, { withFileTypes: true }).catch(() => [])) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) await sweep(child);
      else if (Number((await readFile(child, "utf8").catch(() => "0\n")).split("\n", 1)[0]) <= Date.now()) await rm(child, { force: true });
    }
  };
  return async () => {
    if (Date.now() - last < 60_000) return;
    last = Date.now();
    await sweep(dir).catch(() => {});
  };
}
