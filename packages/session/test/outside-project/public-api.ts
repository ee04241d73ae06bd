// Typechecked in a project outside the workspace (tsc 5.9, nodenext, strict, exactOptionalPropertyTypes,
// noUncheckedIndexedAccess): every public name of every entry, used the way the README shows.
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  type CookieJar,
  cookieStoreWithHeader,
  createSessionManager,
  getIronSession,
  type IronSession,
  nextProxyCookies,
  nodeCookies,
  regenerateSession,
  sealData,
  sessionInfo,
  type SessionManager,
  type SessionOptions,
  type SessionStore,
  SessionStoreUnavailableError,
  unsealData,
  webCookies,
} from "@ironlink/session";
import { FileStore } from "@ironlink/session/file";
import { createRedisClient, parseRedisNodes, RedisStore } from "@ironlink/session/redis";
import { describeStoreContract, type StoreUnderTest } from "@ironlink/session/testing";
import type { Cluster, Redis } from "ioredis";

// Internals stay internal, and so do the names folded into the ones above.
// @ts-expect-error normalizeOptions is not part of the public API
import { normalizeOptions } from "@ironlink/session";
// @ts-expect-error getSession was getIronSession under another name
import { getSession } from "@ironlink/session";
// @ts-expect-error callStore is SessionStoreUnavailableError.wrap
import { callStore } from "@ironlink/session";

// The types of the parts, derived from the exports (the README's table).
type Password = SessionOptions["password"];
type CookieOptions = NonNullable<SessionOptions["cookieOptions"]>;
type UnsealErrorReason = Parameters<NonNullable<SessionOptions["onUnsealError"]>>[0];
type SessionConfigUpdate = Parameters<IronSession<object>["updateConfig"]>[0];
type SessionInfo = ReturnType<typeof sessionInfo>;
type SessionState = SessionInfo["state"];
type CookieStore = Parameters<typeof cookieStoreWithHeader>[0];
type NextProxyRequest = Parameters<typeof nextProxyCookies>[0];
type NextProxyResponse = Parameters<typeof nextProxyCookies>[1];
type RedisConnection = Parameters<typeof createRedisClient>[0];

interface AppData {
  user: { id: string; name: string };
  signedInAt: number;
}

const password: Password = { 2: "a-newer-password-of-at-least-32-characters", 1: "an-older-password-of-at-least-32-characters" };
const cookieOptions: CookieOptions = { secure: true, httpOnly: true, sameSite: "lax", path: "/" };

const single: Redis = createRedisClient("redis://127.0.0.1:6379");
const cluster: Cluster = createRedisClient({ clusterNodes: parseRedisNodes("10.0.0.1:7000,10.0.0.2:7000") });
const sentinel: Redis = createRedisClient({ sentinels: [{ host: "10.0.0.1", port: 26379 }], name: "mymaster" }, { db: 1 });
const connection: RedisConnection = { url: "rediss://cache.example:6380" };
const anyTopology: Redis | Cluster = createRedisClient(connection, { commandTimeout: 500 });
const storeOptions: RedisStore.Options = { client: single, prefix: "app:session:" };
const redisStore: SessionStore = new RedisStore(storeOptions);
new RedisStore({ client: cluster });
new RedisStore({ client: sentinel });
new RedisStore({ client: anyTopology });

const fileOptions: FileStore.Options = { dir: "/var/lib/app/sessions", sweepInterval: 60_000 };
const fileStore: SessionStore = new FileStore(fileOptions);

const options: SessionOptions = {
  password,
  cookieName: "app_session",
  ttl: 14 * 24 * 3600,
  cookieOptions,
  store: redisStore,
  idleTimeout: 30 * 60,
  absoluteTimeout: 12 * 3600,
  touchInterval: 60,
  userId: (data) => (data as Partial<AppData>).user?.id,
  legacyCookies: "migrate",
  onUnsealError: (reason: UnsealErrorReason, error: unknown) => {
    if (reason !== "expired") console.warn({ reason, error }, "session cookie rejected");
  },
  chunk: true,
};

// The two call forms: a cookie store (Next's `cookies()`), and request/response objects.
declare const nextCookies: CookieStore;
declare const cookieHeader: string | null;
declare const nodeReq: IncomingMessage;
declare const nodeRes: ServerResponse;

export async function callForms(): Promise<SessionState[]> {
  const fromCookies: IronSession<AppData> = await getIronSession<AppData>(cookieStoreWithHeader(nextCookies, cookieHeader), options);
  const fromFetch: IronSession<AppData> = await getIronSession<AppData>(new Request("https://app.example/"), new Response(), options);
  const fromNode = await getIronSession<AppData>(nodeReq, nodeRes, { ...options, store: fileStore });
  const name: string | undefined = fromCookies.user?.name;
  if (name === undefined) {
    await regenerateSession(fromCookies);
    fromCookies.user = { id: "alice", name: "Alice" };
    fromCookies.signedInAt = Date.now();
    await fromCookies.save();
  }
  const update: SessionConfigUpdate = { ...options, ttl: 3600 };
  fromFetch.updateConfig(update);
  await fromFetch.destroy();
  const info: SessionInfo = sessionInfo(fromNode);
  const publicId: string | undefined = info.publicId;
  void publicId;
  return [sessionInfo(fromCookies).state, sessionInfo(fromFetch).state, info.state];
}

// iron-session 9's cookie jars, and one of one's own.
declare const proxyRequest: NextProxyRequest;
declare const proxyResponse: NextProxyResponse;
export async function cookieJars(): Promise<Array<string | undefined>> {
  const own: CookieJar = { read: (name) => (name === "app_session" ? "seal" : undefined), write: () => undefined };
  const jars: CookieJar[] = [nodeCookies(nodeReq, nodeRes), webCookies(new Request("https://app.example/"), new Headers()), nextProxyCookies(proxyRequest, proxyResponse), own];
  const users: Array<string | undefined> = [];
  for (const jar of jars) {
    const session = await getIronSession<AppData>(jar, options);
    // iron-session 9: every field is optional on read.
    // @ts-expect-error session.user may be undefined
    users.push(session.user.id);
    users.push(session.user?.id);
  }
  return users;
}

// iron-session's own seal helpers, re-exported.
export async function seals(): Promise<string | undefined> {
  const sealed = await sealData({ token: "abc" }, { password, ttl: 60 });
  return (await unsealData<{ token?: string }>(sealed, { password })).token;
}

export async function perUserIndex(): Promise<number> {
  const sessions: SessionManager<AppData> = createSessionManager<AppData>(options);
  const session = await sessions.getSession(nextCookies);
  const listed: SessionManager.ListedSession<AppData>[] = await sessions.listSessions("alice");
  const first = listed[0];
  const lastSeen: number | undefined = first?.lastSeenAt;
  void lastSeen;
  const ended: boolean = await sessions.revokeSession(first?.publicId ?? "", { userId: "alice" });
  void ended;
  const current = sessionInfo(session).publicId;
  return sessions.revokeUserSessions("alice", current === undefined ? {} : { except: current });
}

export function errors(error: unknown): string {
  if (error instanceof SessionStoreUnavailableError) return "503";
  // Another copy's error (a second install, a bundle of its own) is one too: the check is its code.
  if ({ code: "IRONLINK_STORE_UNAVAILABLE" } instanceof SessionStoreUnavailableError) return "503";
  if (error instanceof Error && error.name === "SessionConfigError") return error.message;
  return "500";
}

/** A store of one's own, proved with the contract suite. */
class MapStore implements SessionStore {
  readonly #values = new Map<string, string>();
  async get(key: string): Promise<string | null> {
    return this.#values.get(key) ?? null;
  }
  async set(key: string, value: string, write: SessionStore.Write): Promise<SessionStore.WriteResult> {
    const current = this.#values.get(key);
    if (write.mode === "create" && current !== undefined) return { status: "changed", current };
    if (write.mode === "update" && current === undefined) return { status: "gone" };
    if (write.mode === "update" && current !== write.expected && current !== undefined) return { status: "changed", current };
    this.#values.set(key, value);
    return { status: "written" };
  }
  async delete(key: string): Promise<void> {
    this.#values.delete(key);
  }
  async listByUser(): Promise<Array<[key: string, value: string]>> {
    return [];
  }
  async claim(key: string): Promise<boolean> {
    if (this.#values.has(`claimed:${key}`)) return false;
    this.#values.set(`claimed:${key}`, "1");
    return true;
  }
  async isClaimed(key: string): Promise<boolean> {
    return this.#values.has(`claimed:${key}`);
  }
  /** Each call wrapped, as the README asks: any failure becomes a SessionStoreUnavailableError. */
  wrapped(): Promise<string | null> {
    return SessionStoreUnavailableError.wrap("could not read the session in MapStore", () => this.get("key"));
  }
}
describeStoreContract("MapStore", async (): Promise<StoreUnderTest> => ({ store: new MapStore(), cleanup: async () => {} }));

// The file primitives are the store's own, no export: the entry is the store alone.
// @ts-expect-error: withFileLock is not part of @ironlink/session/file
export type { withFileLock } from "@ironlink/session/file";

// A client of one's own (a wrapper, a mock) only needs what the store uses.
declare const minimal: RedisStore.Client;
new RedisStore({ client: minimal });
void normalizeOptions;
void getSession;
void callStore;
const ticket: Promise<SessionManager.SignInTicket> = createSessionManager(options).signInTicket();
void ticket;
const states: SessionState[] = ["anonymous", "active", "expired", "legacy"];
void states;
