import { isAbsolute } from "node:path";
import type { Password } from "@ironlink/session";
import { parseRedisNodes, type RedisConnection } from "@ironlink/session/redis";
import type { RateLimits } from "./rate-limit";

/**
 * Everything an Ironlink app reads from its environment, checked in one place. Both apps must agree on
 * SESSION_PASSWORD, REDIS_URL and the cookie settings: that agreement is what makes one sign-in work for both.
 */
export interface IronlinkConfig {
  production: boolean;
  redisUrl: string;
  /** One node (REDIS_URL), a Cluster (REDIS_CLUSTER_NODES) or Sentinel (REDIS_SENTINELS + REDIS_SENTINEL_NAME). */
  redis: RedisConnection;
  /** Where sessions, users and attempt counters live: Redis, or a directory every app shares. */
  store: { kind: "redis" } | { kind: "file"; dir: string };
  sessionPassword: Password;
  cookieName: string;
  /** Set for sibling subdomains (e.g. `example.com` for a.example.com and b.example.com); unset shares the exact host. */
  cookieDomain: string | undefined;
  cookieSecure: boolean;
  /** Seconds the cookie and its seal live; at least the absolute timeout. */
  sessionTtl: number;
  /** Seconds of inactivity that end a session (sliding). */
  idleTimeout: number;
  /** Seconds after sign-in that end a session, however active. */
  absoluteTimeout: number;
  /** Attempts allowed in `rateLimit.window` seconds (see rate-limit.ts for what each counts). */
  rateLimit: RateLimits;
  /** Accept a stateless iron-session cookie (same name and password) once and move it into Redis. */
  migrateIronSessionCookies: boolean;
  /** Origins allowed to POST to the API: every app of the fleet. */
  appOrigins: string[];
}

export const configDefaults = {
  redisUrl: "redis://127.0.0.1:6379",
  cookieName: "ironlink_session",
  idleTimeout: 30 * 60,
  absoluteTimeout: 12 * 3600,
  rateLimit: { perUsernameAndAddress: 5, perUsername: 20, perAddress: 20, registrationsPerAddress: 10, window: 15 * 60 },
  appOrigins: ["http://127.0.0.1:5000", "http://127.0.0.1:7000", "http://localhost:5000", "http://localhost:7000"],
} as const;

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const generateHint = "Generate one with `openssl rand -base64 32`.";

export function readConfig(env: Record<string, string | undefined> = process.env): IronlinkConfig {
  const production = env.NODE_ENV === "production";
  const appOrigins = readOrigins(env.APP_ORIGINS);
  const cookieSecure = readBoolean(env.COOKIE_SECURE, "COOKIE_SECURE") ?? production;
  const idleTimeout = readInteger(env.SESSION_IDLE_TIMEOUT, "SESSION_IDLE_TIMEOUT") ?? configDefaults.idleTimeout;
  const absoluteTimeout = readInteger(env.SESSION_ABSOLUTE_TIMEOUT, "SESSION_ABSOLUTE_TIMEOUT") ?? configDefaults.absoluteTimeout;
  if (idleTimeout > absoluteTimeout) {
    throw new ConfigError(`SESSION_IDLE_TIMEOUT (${idleTimeout}) cannot exceed SESSION_ABSOLUTE_TIMEOUT (${absoluteTimeout}).`);
  }
  const sessionTtl = readInteger(env.SESSION_TTL, "SESSION_TTL") ?? absoluteTimeout;
  if (sessionTtl < absoluteTimeout) {
    throw new ConfigError(`SESSION_TTL (${sessionTtl}) must be at least SESSION_ABSOLUTE_TIMEOUT (${absoluteTimeout}): the cookie must outlive the session.`);
  }
  const cookieDomain = env.COOKIE_DOMAIN?.trim() || undefined;
  return {
    production,
    redisUrl: env.REDIS_URL?.trim() || configDefaults.redisUrl,
    redis: readRedisConnection(env),
    store: readStore(env),
    sessionPassword: readSessionPassword(env.SESSION_PASSWORD, production),
    cookieName: prefixedCookieName(env.SESSION_COOKIE_NAME?.trim() || configDefaults.cookieName, cookieSecure, cookieDomain),
    cookieDomain,
    cookieSecure,
    sessionTtl,
    idleTimeout,
    absoluteTimeout,
    rateLimit: readRateLimits(env),
    migrateIronSessionCookies: readBoolean(env.MIGRATE_IRON_SESSION_COOKIES, "MIGRATE_IRON_SESSION_COOKIES") ?? true,
    appOrigins,
  };
}

let cached: IronlinkConfig | undefined;
/** The process's configuration, read once. Throws ConfigError with what to fix. */
export function getConfig(): IronlinkConfig {
  cached ??= readConfig();
  return cached;
}

/**
 * A Secure cookie gets a prefix browsers enforce: `__Host-` without a domain (then no other subdomain can
 * plant or shadow it, and only one cookie of the name can exist per host), `__Secure-` with one.
 */
function prefixedCookieName(name: string, secure: boolean, domain: string | undefined): string {
  if (!secure || name.startsWith("__")) return name;
  return `${domain ? "__Secure-" : "__Host-"}${name}`;
}

const rateLimitVariables = {
  perUsernameAndAddress: "RATE_LIMIT_PER_USERNAME_AND_ADDRESS",
  perUsername: "RATE_LIMIT_PER_USERNAME",
  perAddress: "RATE_LIMIT_PER_ADDRESS",
  registrationsPerAddress: "RATE_LIMIT_REGISTRATIONS_PER_ADDRESS",
} as const;

function readRateLimits(env: Record<string, string | undefined>): RateLimits {
  const limits = { window: readInteger(env.RATE_LIMIT_WINDOW, "RATE_LIMIT_WINDOW") ?? configDefaults.rateLimit.window } as RateLimits;
  for (const [field, name] of Object.entries(rateLimitVariables) as [keyof typeof rateLimitVariables, string][]) {
    limits[field] = readInteger(env[name], name, 1) ?? configDefaults.rateLimit[field];
  }
  return limits;
}

function readSessionPassword(raw: string | undefined, production: boolean): Password {
  if (!raw) {
    throw new ConfigError(
      production
        ? `SESSION_PASSWORD is required in production: every app of the fleet needs the same one. ${generateHint}`
        : `SESSION_PASSWORD is not set. Start the apps with \`npm run dev\` from the repository root (it makes a local one) or set it yourself. ${generateHint}`,
    );
  }
  // A JSON map `{"1":"old…","2":"new…"}` rotates passwords: the highest id seals, every id still opens.
  if (raw.trimStart().startsWith("{")) {
    let map: unknown;
    try {
      map = JSON.parse(raw);
    } catch {
      throw new ConfigError('SESSION_PASSWORD looks like a JSON rotation map but is not valid JSON; expected {"1":"…","2":"…"}.');
    }
    const entries = Object.entries(map as Record<string, unknown>);
    if (entries.length === 0 || entries.some(([, v]) => typeof v !== "string" || v.length < 32)) {
      throw new ConfigError(`every password in the SESSION_PASSWORD map must be at least 32 characters. ${generateHint}`);
    }
    return map as Record<string, string>;
  }
  if (raw.length < 32) {
    throw new ConfigError(`SESSION_PASSWORD must be at least 32 characters long (it has ${raw.length}). ${generateHint}`);
  }
  return raw;
}

function readStore(env: Record<string, string | undefined>): IronlinkConfig["store"] {
  const kind = env.SESSION_STORE?.trim() || "redis";
  if (kind === "redis") return { kind };
  if (kind !== "file") throw new ConfigError(`SESSION_STORE must be "redis" or "file" (got "${kind}").`);
  const dir = env.SESSION_FILE_PATH?.trim();
  if (!dir || !isAbsolute(dir)) {
    throw new ConfigError("SESSION_STORE=file needs SESSION_FILE_PATH: an absolute path to a directory every app can read and write.");
  }
  return { kind, dir };
}

function readRedisConnection(env: Record<string, string | undefined>): RedisConnection {
  const nodes = (name: string, raw: string) => {
    try {
      const parsed = parseRedisNodes(raw);
      if (parsed.length === 0) throw new Error("no nodes");
      return parsed;
    } catch (error) {
      throw new ConfigError(`${name} must list host:port pairs separated by commas (${error instanceof Error ? error.message : ""}).`);
    }
  };
  if (env.REDIS_CLUSTER_NODES?.trim()) return { clusterNodes: nodes("REDIS_CLUSTER_NODES", env.REDIS_CLUSTER_NODES) };
  if (env.REDIS_SENTINELS?.trim()) {
    const name = env.REDIS_SENTINEL_NAME?.trim();
    if (!name) throw new ConfigError("REDIS_SENTINELS is set but REDIS_SENTINEL_NAME is not: name the primary the sentinels watch (e.g. mymaster).");
    return { sentinels: nodes("REDIS_SENTINELS", env.REDIS_SENTINELS), name };
  }
  return env.REDIS_URL?.trim() || configDefaults.redisUrl;
}

function readBoolean(raw: string | undefined, name: string): boolean | undefined {
  if (raw === undefined || raw === "") return undefined;
  if (/^(1|true|yes)$/i.test(raw)) return true;
  if (/^(0|false|no)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false (got "${raw}").`);
}

function readInteger(raw: string | undefined, name: string, minimum = 60): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < minimum) throw new ConfigError(`${name} must be a whole number of at least ${minimum} (got "${raw}").`);
  return value;
}

function readOrigins(raw: string | undefined): string[] {
  if (!raw?.trim()) return [...configDefaults.appOrigins];
  return raw.split(",").map((entry) => {
    const trimmed = entry.trim();
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch {
      throw new ConfigError(`APP_ORIGINS holds "${trimmed}", which is not an origin such as http://127.0.0.1:5000.`);
    }
    if (url.origin !== trimmed.replace(/\/$/, "")) {
      throw new ConfigError(`APP_ORIGINS entries must be bare origins (scheme, host, port) such as http://127.0.0.1:5000; got "${trimmed}".`);
    }
    return url.origin;
  });
}
