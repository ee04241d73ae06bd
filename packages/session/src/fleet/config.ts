import { isAbsolute } from "node:path";
import { defaultMaxSessionsPerUser, minimumPasswordLength, normalizePasswords, type Password } from "../options";
import { defaultIpv6PrefixLength } from "./address-bucket";
import { parseRedisNodes, type RedisConnection } from "../stores/redis-client";
import type { LiveStreamLimits } from "../live";
import { type DemoAccount, type RateLimits, readDemoAccount, readFreshAge, readRateLimits } from "./sign-in-settings";
import { type OidcSettings, readOidcSettings } from "./oidc-settings";

/**
 * The settings every app of a fleet must share, read from the documented environment variables in one
 * place. Two apps that read the same environment get the same cookie, seals, timeouts and store, which is
 * what makes one sign-in work for all of them; `checkFleetRecord` refuses an app whose settings differ.
 */
export interface FleetConfig {
  /** Names the fleet's record in the store (IRONLINK_FLEET), so two fleets can share one Redis. */
  fleetName: string;
  production: boolean;
  /** SESSION_PASSWORD: at least 32 characters, or a JSON rotation map `{"1":"…","2":"…"}`. */
  password: Password;
  /** SESSION_COOKIE_NAME, with `__Host-` (no domain) or `__Secure-` (with one) when the cookie is Secure. */
  cookieName: string;
  /** COOKIE_DOMAIN: set for sibling subdomains (`example.com`); unset shares the exact host only. */
  cookieDomain: string | undefined;
  /** COOKIE_SECURE: defaults to true in production. */
  cookieSecure: boolean;
  /**
   * COOKIE_SECURE was not set, so NODE_ENV chose cookieSecure: the fleet's recorded true then replaces a
   * default false (see settings-check.ts). Unset (a config built by hand): the value is this app's choice.
   */
  cookieSecureDefaulted?: boolean;
  /** SESSION_TTL, seconds the cookie and its seal live: at least the absolute timeout. */
  ttl: number;
  /** SESSION_IDLE_TIMEOUT, seconds without a request that end a session. */
  idleTimeout: number;
  /** SESSION_ABSOLUTE_TIMEOUT, seconds after sign-in that end a session however active. */
  absoluteTimeout: number;
  /** SESSION_KEY_PREFIX: where the sessions live in Redis. */
  keyPrefix: string;
  /** SESSION_STORE: Redis (REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS) or a shared directory. */
  store: { kind: "redis"; redis: RedisConnection } | { kind: "file"; dir: string };
  /** APP_ORIGINS: every app's exact origin; state-changing requests and return addresses must match one. */
  appOrigins: string[];
  /** LOGIN_URL: the origin of the app that hosts the sign-in page. Default: the first of APP_ORIGINS. */
  loginUrl: string;
  /** MIGRATE_IRON_SESSION_COOKIES: accept a stateless iron-session cookie once and move it into the store. */
  migrateIronSessionCookies: boolean;
  /** IRONLINK_LIVE_SIGNOUT: signed-in pages hear of their session's end at once (default true). */
  liveSignOut: boolean;
  /** CLIENT_IPV6_PREFIX: IPv6 clients are counted per network of this many bits by every per-address limit (default 64). */
  ipv6PrefixLength: number;
  /** SESSION_MAX_PER_USER: live sessions one user may hold; a sign-in beyond it ends their oldest (default 50). */
  maxSessionsPerUser: number;
  /** RATE_LIMIT_*: the sign-in budgets, attempts allowed per window (sign-in-settings.ts says what each counts). */
  rateLimit: RateLimits;
  /** IRONLINK_FRESH_AGE: seconds after a sign-in (or a step-up) during which sensitive changes need no new proof. */
  freshAge: number;
  /** IRONLINK_DEMO_USER and IRONLINK_DEMO_PASSWORD, outside production only: a demo account made at start. */
  demoAccount: DemoAccount;
  /** IRONLINK_FLEET_ADOPT: this app's shared settings replace the fleet's record, for a fleet-wide change. */
  adopt: boolean;
  /** IRONLINK_MAX_STREAMS*, IRONLINK_STREAM_MAX_AGE: the live sign-out streams' bounds (unset: the defaults). */
  liveStreams: LiveStreamLimits;
  /** IRONLINK_OIDC_CLIENTS and IRONLINK_OIDC_JWKS: the OpenID Provider's clients and keys (oidc-settings.ts). */
  oidc: OidcSettings;
}

export const fleetDefaults = {
  fleetName: "ironlink",
  redisUrl: "redis://127.0.0.1:6379",
  cookieName: "ironlink_session",
  idleTimeout: 30 * 60,
  absoluteTimeout: 12 * 3600,
  keyPrefix: "ironlink:session:",
  appOrigins: [
    "http://127.0.0.1:5000",
    "http://127.0.0.1:7000",
    "http://127.0.0.1:9000",
    "http://localhost:5000",
    "http://localhost:7000",
    "http://localhost:9000",
  ],
} as const;

export type Environment = Record<string, string | undefined>;

/** A fleet setting is missing or malformed. The message names the variable and what to set. */
export class FleetConfigError extends Error {
  override readonly name = "FleetConfigError";
  readonly code = "IRONLINK_FLEET_CONFIG";
}

const generateHint = "Generate one with `openssl rand -base64 32`.";

export function readFleetConfig(env: Environment = process.env): FleetConfig {
  const production = env.NODE_ENV === "production";
  const chosenSecure = readBoolean(env, "COOKIE_SECURE");
  const cookieSecure = chosenSecure ?? production;
  const idleTimeout = readInteger(env, "SESSION_IDLE_TIMEOUT") ?? fleetDefaults.idleTimeout;
  const absoluteTimeout = readInteger(env, "SESSION_ABSOLUTE_TIMEOUT") ?? fleetDefaults.absoluteTimeout;
  if (idleTimeout > absoluteTimeout) {
    throw new FleetConfigError(`SESSION_IDLE_TIMEOUT (${idleTimeout}) cannot exceed SESSION_ABSOLUTE_TIMEOUT (${absoluteTimeout}).`);
  }
  const ttl = readInteger(env, "SESSION_TTL") ?? absoluteTimeout;
  if (ttl < absoluteTimeout) {
    throw new FleetConfigError(`SESSION_TTL (${ttl}) must be at least SESSION_ABSOLUTE_TIMEOUT (${absoluteTimeout}): the cookie must outlive the session.`);
  }
  const cookieDomain = text(env, "COOKIE_DOMAIN");
  const appOrigins = readOrigins(env.APP_ORIGINS);
  return {
    fleetName: text(env, "IRONLINK_FLEET") ?? fleetDefaults.fleetName,
    production,
    password: readSessionPassword(env.SESSION_PASSWORD, production),
    cookieName: prefixedCookieName(text(env, "SESSION_COOKIE_NAME") ?? fleetDefaults.cookieName, cookieSecure, cookieDomain),
    cookieDomain,
    cookieSecure,
    cookieSecureDefaulted: chosenSecure === undefined,
    ttl,
    idleTimeout,
    absoluteTimeout,
    keyPrefix: text(env, "SESSION_KEY_PREFIX") ?? fleetDefaults.keyPrefix,
    store: readStore(env),
    appOrigins,
    loginUrl: readLoginUrl(env.LOGIN_URL, appOrigins),
    migrateIronSessionCookies: readBoolean(env, "MIGRATE_IRON_SESSION_COOKIES") ?? true,
    liveSignOut: readBoolean(env, "IRONLINK_LIVE_SIGNOUT") ?? true,
    ipv6PrefixLength: readIpv6PrefixLength(env),
    maxSessionsPerUser: readInteger(env, "SESSION_MAX_PER_USER", 1) ?? defaultMaxSessionsPerUser,
    rateLimit: readRateLimits(env),
    freshAge: readFreshAge(env),
    demoAccount: readDemoAccount(env),
    adopt: readBoolean(env, "IRONLINK_FLEET_ADOPT") ?? false,
    liveStreams: readLiveStreamLimits(env),
    oidc: readOidcSettings(env, production),
  };
}

/**
 * A Secure cookie gets a prefix browsers enforce: `__Host-` without a domain (no other subdomain can plant
 * or shadow it), `__Secure-` with one.
 */
export function prefixedCookieName(name: string, secure: boolean, domain: string | undefined): string {
  if (!secure || name.startsWith("__")) return name;
  return `${domain ? "__Secure-" : "__Host-"}${name}`;
}

function readIpv6PrefixLength(env: Environment): number {
  const length = readInteger(env, "CLIENT_IPV6_PREFIX", 16) ?? defaultIpv6PrefixLength;
  if (length > 128) throw new FleetConfigError(`CLIENT_IPV6_PREFIX must be a prefix length from 16 to 128 (got ${length}).`);
  return length;
}

function readSessionPassword(raw: string | undefined, production: boolean): Password {
  if (!raw) {
    throw new FleetConfigError(
      production
        ? `SESSION_PASSWORD is required in production: every app of the fleet needs the same one. ${generateHint}`
        : `SESSION_PASSWORD is not set. Start the apps with \`npm run dev\` from the repository root (it makes a local one) or set it yourself. ${generateHint}`,
    );
  }
  // A JSON map `{"1":"old…","2":"new…"}` rotates passwords: the highest id seals, every id still opens.
  let password: Password = raw;
  if (!raw.trimStart().startsWith("{") && raw.length < minimumPasswordLength) {
    throw new FleetConfigError(`SESSION_PASSWORD must be at least ${minimumPasswordLength} characters long (it has ${raw.length}). ${generateHint}`);
  }
  if (raw.trimStart().startsWith("{")) {
    try {
      password = JSON.parse(raw) as Record<string, string>;
    } catch {
      throw new FleetConfigError('SESSION_PASSWORD looks like a JSON rotation map but is not valid JSON; expected {"1":"…","2":"…"}.');
    }
  }
  try {
    // The session options' own rules (one home): every secret of 32 characters or more, ids whole numbers.
    normalizePasswords(password);
  } catch (error) {
    throw new FleetConfigError(`SESSION_PASSWORD: ${(error as Error).message.replace(/^ironlink: (Bad usage\. )?/, "")}`);
  }
  return password;
}

function readStore(env: Environment): FleetConfig["store"] {
  const kind = text(env, "SESSION_STORE") ?? "redis";
  if (kind === "redis") return { kind, redis: readRedisConnection(env) };
  if (kind !== "file") throw new FleetConfigError(`SESSION_STORE must be "redis" or "file" (got "${kind}").`);
  const dir = text(env, "SESSION_FILE_PATH");
  if (!dir || !isAbsolute(dir)) {
    throw new FleetConfigError("SESSION_STORE=file needs SESSION_FILE_PATH: an absolute path to a directory every app can read and write.");
  }
  return { kind, dir };
}

function readRedisConnection(env: Environment): RedisConnection {
  const nodes = (name: string, raw: string) => {
    try {
      const parsed = parseRedisNodes(raw);
      if (parsed.length === 0) throw new Error("no nodes");
      return parsed;
    } catch (error) {
      throw new FleetConfigError(`${name} must list host:port pairs separated by commas (${error instanceof Error ? error.message : ""}).`);
    }
  };
  const cluster = text(env, "REDIS_CLUSTER_NODES");
  if (cluster) return { clusterNodes: nodes("REDIS_CLUSTER_NODES", cluster) };
  const sentinels = text(env, "REDIS_SENTINELS");
  if (sentinels) {
    const name = text(env, "REDIS_SENTINEL_NAME");
    if (!name) throw new FleetConfigError("REDIS_SENTINELS is set but REDIS_SENTINEL_NAME is not: name the primary the sentinels watch (e.g. mymaster).");
    return { sentinels: nodes("REDIS_SENTINELS", sentinels), name };
  }
  return text(env, "REDIS_URL") ?? fleetDefaults.redisUrl;
}

function readOrigins(raw: string | undefined): string[] {
  if (!raw?.trim()) return [...fleetDefaults.appOrigins];
  return raw.split(",").map((entry) => readOrigin(entry.trim(), "APP_ORIGINS"));
}

function readLoginUrl(raw: string | undefined, appOrigins: string[]): string {
  if (!raw?.trim()) return appOrigins[0]!;
  const origin = readOrigin(raw.trim(), "LOGIN_URL");
  if (!appOrigins.includes(origin)) throw new FleetConfigError(`LOGIN_URL (${origin}) must be one of APP_ORIGINS (${appOrigins.join(", ")}).`);
  return origin;
}

function readOrigin(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new FleetConfigError(`${name} holds "${value}", which is not an origin such as http://127.0.0.1:5000.`);
  }
  if (url.origin !== value.replace(/\/$/, "")) {
    throw new FleetConfigError(`${name} must hold bare origins (scheme, host, port) such as http://127.0.0.1:5000; got "${value}".`);
  }
  return url.origin;
}

const text = (env: Environment, name: string): string | undefined => env[name]?.trim() || undefined;

export function readBoolean(env: Environment, name: string): boolean | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  if (/^(1|true|yes)$/i.test(raw)) return true;
  if (/^(0|false|no)$/i.test(raw)) return false;
  throw new FleetConfigError(`${name} must be true or false (got "${raw}").`);
}

export function readInteger(env: Environment, name: string, minimum = 60): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < minimum) throw new FleetConfigError(`${name} must be a whole number of at least ${minimum} (got "${raw}").`);
  return value;
}

/**
 * The live streams' bounds (docs/live-signout.md): IRONLINK_MAX_STREAMS per process (503 beyond),
 * IRONLINK_MAX_STREAMS_PER_SESSION and IRONLINK_MAX_STREAMS_PER_ADDRESS (429 beyond), and
 * IRONLINK_STREAM_MAX_AGE, seconds after which a stream ends and its page reconnects. Unset: the defaults.
 */
export function readLiveStreamLimits(env: Environment): LiveStreamLimits {
  const maxAge = readInteger(env, "IRONLINK_STREAM_MAX_AGE", 1);
  return {
    max: readInteger(env, "IRONLINK_MAX_STREAMS", 1),
    perSession: readInteger(env, "IRONLINK_MAX_STREAMS_PER_SESSION", 1),
    perAddress: readInteger(env, "IRONLINK_MAX_STREAMS_PER_ADDRESS", 1),
    maxAgeMs: maxAge === undefined ? undefined : maxAge * 1000,
  };
}
