import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Cluster, Redis } from "ioredis";
import { SessionStoreUnavailableError } from "../errors";
import { createSessionManager, type SessionManager } from "../manager";
import type { SessionOptions } from "../options";
import { closeRedisClient, createRedisClient, type RedisConnection } from "../stores/redis-client";
import { RedisStore } from "../stores/redis-store";
import { FileStore } from "../stores/file-store";
import { writeFileAtomic } from "../stores/file-io";
import type { SessionStore } from "../stores/session-store";
import { createLiveStreams, type LiveStreams } from "../live";
import { readFleetConfig, type Environment, type FleetConfig } from "./config";
import { checkFleetRecord, type FleetRecordStore } from "./settings-check";
import { type CodeStore, createHandoff, type Handoff } from "./handoff";
import { normalizedOnce } from "../manager";
import { type FleetRequestContext, handleFleetRequest, isFleetPath } from "./routes";
import { addressBucket } from "./address-bucket";
import { isAllowedOrigin, refusedOriginMessage, type RequestHeaders } from "./request-origin";
import { type ReturnAddress, safeReturnAddress } from "./return-address";
import { returnToSatellite, sharesSignInCookie } from "./satellite";
import { fleetUserOf } from "./user";
import { type AccountPolicy, type AccountResult, type Accounts, createAccounts, type SignInContext } from "./accounts/account";
import type { AuthMethod } from "./accounts/factors/sign-in-methods";

/** The person a fleet session belongs to (`Fleet.User`). */
export type FleetUser = Fleet.User;

/** What the sign-in app writes into a session (`Fleet.SessionData`). */
export type FleetSessionData = Fleet.SessionData;

/** The session options a fleet config implies, for `getIronSession(cookies, options)` or `createSessionManager`. */
export function fleetSessionOptions(config: FleetConfig, store: SessionStore): SessionOptions {
  return {
    password: config.password,
    cookieName: config.cookieName,
    ttl: config.ttl,
    idleTimeout: config.idleTimeout,
    absoluteTimeout: config.absoluteTimeout,
    cookieOptions: { domain: config.cookieDomain, secure: config.cookieSecure, httpOnly: true, sameSite: "lax", path: "/" },
    store,
    // The per-user index behind "Sign out everywhere" and the account page's list.
    userId: (data) => (data as Partial<FleetSessionData>).user?.id,
    maxSessionsPerUser: config.maxSessionsPerUser,
    legacyCookies: config.migrateIronSessionCookies ? "migrate" : "ignore",
  };
}

/**
 * The fleet instance: one per app process (`createFleet()`), what every kit serves and checks through. Its
 * types are `Fleet.Config`, `Fleet.SessionData`, `Fleet.User`, … (the namespace below).
 */
export interface Fleet {
  /** This app's name, as createFleet was given it: what a session records as the app it began on. */
  appName: string;
  config: FleetConfig;
  store: SessionStore;
  sessions: SessionManager<FleetSessionData>;
  /** The Redis client the store uses (undefined with the file store), for an app's other shared state. */
  redis: Redis | Cluster | undefined;
  /** True while Redis is known to be unreachable: a check without I/O, to answer 503 before doing work. */
  isStoreDown(): boolean;
  /** Resolves when the store answers; for health checks. */
  ping(): Promise<void>;
  /**
   * Compares this app's shared settings (cookie, timeouts, key prefix, password) with the fleet's record in
   * the store and throws FleetMismatchError naming each difference. The fleet's first app writes the record.
   * A setting this app left unset where the fleet decides (COOKIE_SECURE: settings-check.ts) takes the
   * fleet's value, with a log line saying so: call it before serving requests.
   */
  checkSettings(): Promise<void>;
  /** One-time sign-in codes for apps on other sites (see handoff.ts). */
  handoff: Handoff;
  /** Sign-in, registration, password change and sign-out, for any kit: accounts/account.ts. */
  accounts: Accounts;
  /**
   * Records `name` as the name of the app at `origin` (its publicUrl), so the sign-in page and /account can
   * say "Reports" instead of a host. At most 64 characters are kept.
   */
  nameApp(origin: string, name: string): Promise<void>;
  /** The name an app of the fleet recorded for `origin` with nameApp, if any. */
  appNameAt(origin: string): Promise<string | undefined>;
  /** The sign-in app says it is up (every few seconds); other sites check before sending people there. */
  markSignInUp(): Promise<void>;
  isSignInUp(): Promise<boolean>;
  /** Live sign-out: the process's one subscription to ended sessions, shared by its open event streams. */
  liveStreams(): LiveStreams;
  /**
   * The routes every app of the fleet serves alike (routes.ts: health, the cross-site sign-in, live sign-out,
   * and the account API for a kit that passes `accounts`), as Request in, Response out; undefined for a path
   * that is not the fleet's. Kits serve it before their own.
   */
  handle(request: Request, context?: FleetRequestContext): Promise<Response | undefined>;
  /** Whether `handle` may answer this path at all: a cheap test before a kit builds a Request for it. */
  handles(pathname: string): boolean;
  /**
   * Why a state-changing request is refused (its Origin is not exactly one of APP_ORIGINS: the message names
   * both), or undefined when it comes from the fleet. The CSRF check of every kit.
   */
  originRefusal(headers: RequestHeaders): string | undefined;
  /** Where `next` may send a person after sign-in: a same-app path, or a URL on an exact origin of APP_ORIGINS. */
  returnAddress(next: unknown): ReturnAddress;
  /** Whether the session cookie the sign-in app sets reaches `origin`; if not, the app there is a satellite. */
  sharesSignInCookie(origin: string): boolean;
  /** The sign-in app's way back to a satellite, for a signed-in `session`: a one-time code bound to `challenge`. */
  returnToSatellite(session: object, target: { next: URL; challenge: unknown }): Promise<string>;
  /** What per-address limits count a client by: its address, or its IPv6 network (CLIENT_IPV6_PREFIX). */
  addressBucket(address: string | undefined): string | undefined;
  /** The session's user, if it is one the fleet wrote (`{ id, username }` strings), else undefined. */
  userOf(user: unknown): FleetUser | undefined;
  close(): Promise<void>;
}

/** The longest app name nameApp keeps: it is shown in a sentence of the sign-in page. */
const appNameLimit = 64;

/** How long the sign-in app's last "up" counts: a few missed beats, so a restart is not an outage. */
const signInUpForMs = 15_000;

/** The fleet's types, as `Fleet.Config`, `Fleet.SessionData` and so on. */
export declare namespace Fleet {
  /** The fleet's settings, read from the environment (readFleetConfig). */
  type Config = FleetConfig;
  /** The person a fleet session belongs to. */
  interface User {
    id: string;
    username: string;
  }

  /** What the sign-in app writes into a session, and so what every app of the fleet reads. Never a password. */
  interface SessionData {
    user: User;
    /** Epoch milliseconds of the sign-in. */
    signedInAt: number;
    /** The app the person signed in on: the sign-in app's name, or the fleet's app they signed in for (its recorded name, else host). */
    signedInOn: string;
    /** The browser's User-Agent at sign-in (at most 256 characters). */
    userAgent: string;
    /** The origins the session was used on: the sign-in app's, then each other site's it was carried to. */
    seenOn?: string[];
    /** How the person proved it was them (RFC 8176): "pwd", "hwk" (a passkey), "otp", and "mfa" when two factors were used. Absent: "pwd". */
    amr?: AuthMethod[];
    /** Epoch milliseconds of the latest proof: the sign-in, or a later step-up (IRONLINK_FRESH_AGE). */
    authenticatedAt?: number;
  }
  /** createFleet's options. */
  type Options = CreateFleetOptions;
  /** What `fleet.handle` needs of the kit: the app's public URL and the client's address. */
  type RequestContext = FleetRequestContext;
  /** A request's headers: Fetch `Headers` or Node's `IncomingHttpHeaders`. */
  type RequestHeaders = FleetRequestHeaders;
  /** An environment to read settings from (default `process.env`). */
  type Environment = FleetEnvironment;
  /** Where a return address leads (fleet.returnAddress): `url`, and what was refused. */
  type ReturnAddress = FleetReturnAddress;
  /** What the serving app chose for the account flows (who checks passwords, whether accounts are made there). */
  type AccountPolicy = FleetAccountPolicy;
  /** An account flow's answer: `{ ok: true, user }`, or a status, an error code and a message for the person. */
  type AccountResult = FleetAccountResult;
  /** Who is asking, for the account flows: the client's address bucket, User-Agent, the app. */
  type SignInContext = FleetSignInContext;
}

// Aliases for the namespace, whose own names would shadow the modules' inside it.
type FleetRequestHeaders = RequestHeaders;
type FleetEnvironment = Environment;
type FleetReturnAddress = ReturnAddress;
type FleetAccountPolicy = AccountPolicy;
type FleetAccountResult = AccountResult;
type FleetSignInContext = SignInContext;

export interface CreateFleetOptions {
  /** Shown in the account page's session list and in mismatch messages. */
  appName?: string;
  /** Default: `readFleetConfig(env)`. */
  config?: FleetConfig;
  env?: Environment;
}

export function createFleet({ appName = "an app", env, config = readFleetConfig(env) }: CreateFleetOptions = {}): Fleet {
  const backend = config.store.kind === "file" ? fileBackend(config.store.dir, config.fleetName) : redisBackend(config.store.redis, config);
  let live: LiveStreams | undefined;
  const sessionParts = () => {
    const options = fleetSessionOptions(config, backend.store);
    return { sessions: createSessionManager<FleetSessionData>(options), handoff: createHandoff(normalizedOnce(options), backend.store, backend.codes) };
  };
  let parts = sessionParts();
  const accounts = createAccounts(config, () => parts.sessions, backend.redis);
  const checkSettings = async () => {
    const choice = await checkFleetRecord(config, backend.records, { appName, adopt: config.adopt });
    if (!choice) return;
    // In place: the kits hold this config object (Next's getConfig(), Express's ironlink.config).
    Object.assign(config, choice.settings);
    parts = sessionParts();
    console.info(choice.message);
  };
  const fleet: Fleet = {
    appName,
    config,
    store: backend.store,
    get sessions() {
      return parts.sessions;
    },
    get handoff() {
      return parts.handoff;
    },
    accounts,
    nameApp: (origin, name) => backend.names.put(new URL(origin).origin, name.slice(0, appNameLimit)),
    appNameAt: async (origin) => (await backend.names.get(new URL(origin).origin)) ?? undefined,
    markSignInUp: () => backend.beat.mark(signInUpForMs),
    isSignInUp: () => backend.beat.isFresh(),
    liveStreams: () => {
      live ??= createLiveStreams(backend.store, config.liveStreams);
      return live;
    },
    redis: backend.redis,
    isStoreDown: backend.isDown,
    ping: backend.ping,
    checkSettings,
    handle: (request, context) => handleFleetRequest(fleet, request, context),
    handles: isFleetPath,
    originRefusal: (headers) => (isAllowedOrigin(headers, config.appOrigins) ? undefined : refusedOriginMessage(headers, config.appOrigins)),
    returnAddress: (next) => safeReturnAddress(next, config.appOrigins),
    sharesSignInCookie: (origin) => sharesSignInCookie(config, origin),
    returnToSatellite: (session, target) => returnToSatellite(parts.handoff, session, target),
    addressBucket: (address) => addressBucket(address, config.ipv6PrefixLength),
    userOf: fleetUserOf,
    close: async () => {
      await live?.close();
      await backend.close();
    },
  };
  return fleet;
}

interface Backend {
  store: SessionStore;
  records: FleetRecordStore;
  codes: CodeStore;
  /** The fleet's apps' names by origin (nameApp). */
  names: { put(origin: string, name: string): Promise<void>; get(origin: string): Promise<string | null> };
  beat: { mark(ttlMs: number): Promise<void>; isFresh(): Promise<boolean> };
  redis: Redis | Cluster | undefined;
  isDown(): boolean;
  ping(): Promise<void>;
  close(): Promise<void>;
}

function redisBackend(connection: RedisConnection, config: FleetConfig): Backend {
  const client = createRedisClient(connection);
  let down = false;
  // "close" comes the moment the connection drops; "error" once a reconnection fails. Either way, 503 at once until ready.
  client.on("close", () => (down = true));
  client.on("error", () => (down = true));
  client.on("ready", () => (down = false));
  const key = `ironlink:fleet:${config.fleetName}`;
  return {
    store: new RedisStore({ client, prefix: config.keyPrefix }),
    records: {
      read: () => unavailableOnError(client.get(key)),
      create: async (value) => (await unavailableOnError(client.set(key, value, "NX"))) === "OK",
      replace: async (value) => void (await unavailableOnError(client.set(key, value))),
    },
    codes: {
      put: async (name, value, ttlMs) => void (await unavailableOnError(client.set(`${key}:code:${name}`, value, "PX", ttlMs))),
      take: (name) => unavailableOnError(client.getdel(`${key}:code:${name}`)),
    },
    names: {
      put: async (origin, name) => void (await unavailableOnError(client.hset(`${key}:apps`, origin, name))),
      get: (origin) => unavailableOnError(client.hget(`${key}:apps`, origin)),
    },
    beat: {
      mark: async (ttlMs) => void (await unavailableOnError(client.set(`${key}:sign-in`, "up", "PX", ttlMs))),
      isFresh: async () => (await unavailableOnError(client.exists(`${key}:sign-in`))) > 0,
    },
    redis: client,
    isDown: () => down,
    ping: async () => void (await client.ping()),
    close: () => closeRedisClient(client),
  };
}

/** A Redis that does not answer is an outage the caller can tell apart from a mismatch. */
const unavailableOnError = <T>(command: Promise<T>): Promise<T> => SessionStoreUnavailableError.wrap("Redis did not answer", () => command);

function fileBackend(dir: string, fleetName: string): Backend {
  const store = new FileStore({ dir });
  const path = join(dir, `fleet-${encodeURIComponent(fleetName)}.json`);
  return {
    store,
    records: {
      read: async () => readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? null : Promise.reject(error))),
      create: async (value) => {
        await mkdir(dir, { recursive: true });
        return writeFile(path, value, { flag: "wx" }).then(() => true, (error: NodeJS.ErrnoException) => (error.code === "EEXIST" ? false : Promise.reject(error)));
      },
      replace: (value) => writeFileAtomic(path, value),
    },
    codes: fileCodes(join(dir, "codes")),
    names: fileNames(join(dir, `fleet-${encodeURIComponent(fleetName)}.apps`)),
    beat: {
      mark: async (ttlMs) => writeFileAtomic(`${path}.sign-in`, String(Date.now() + ttlMs)),
      isFresh: async () => Number(await readFile(`${path}.sign-in`, "utf8").catch(() => "0")) > Date.now(),
    },
    redis: undefined,
    isDown: () => false,
    ping: async () => void (await store.get("A".repeat(43))),
    close: async () => {},
  };
}

/** One file per origin: apps starting at once never overwrite each other's names. */
function fileNames(dir: string): Backend["names"] {
  const path = (origin: string) => join(dir, encodeURIComponent(origin));
  return {
    put: async (origin, name) => {
      await mkdir(dir, { recursive: true });
      await writeFileAtomic(path(origin), name);
    },
    get: (origin) => readFile(path(origin), "utf8").catch((error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? null : Promise.reject(error))),
  };
}

/** Codes as files named by their hash: a rename takes one atomically, so two redemptions cannot both get it. */
function fileCodes(dir: string): CodeStore {
  let lastSweep = 0;
  // Codes nobody redeemed (a cancelled sign-in) are removed at most once a minute, by the next put.
  const sweep = async (olderThan: number) => {
    for (const file of await readdir(dir).catch(() => [])) {
      const path = join(dir, file);
      const modified = (await stat(path).catch(() => undefined))?.mtimeMs;
      if (modified !== undefined && modified < olderThan) await rm(path, { force: true });
    }
  };
  return {
    async put(name, value, ttlMs) {
      await mkdir(dir, { recursive: true });
      if (Date.now() - lastSweep > 60_000) {
        lastSweep = Date.now();
        await sweep(Date.now() - 2 * ttlMs);
      }
      await writeFileAtomic(join(dir, name), `${Date.now() + ttlMs}\n${value}`);
    },
    async take(name) {
      const taken = join(dir, `${name}.taken-${randomUUID()}`);
      try {
        await rename(join(dir, name), taken);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw error;
      }
      const content = await readFile(taken, "utf8");
      await rm(taken, { force: true });
      const [expiresAt, value] = [content.slice(0, content.indexOf("\n")), content.slice(content.indexOf("\n") + 1)];
      return Number(expiresAt) > Date.now() ? value : null;
    },
  };
}
