import type { Password } from "@ironlink/session";

/**
 * Everything an Ironlink app reads from its environment, checked in one place. Both apps must agree on
 * SESSION_PASSWORD, REDIS_URL and the cookie settings: that agreement is what makes one sign-in work for both.
 */
export interface IronlinkConfig {
  production: boolean;
  redisUrl: string;
  sessionPassword: Password;
  cookieName: string;
  /** Set for sibling subdomains (e.g. `example.com` for a.example.com and b.example.com); unset shares the exact host. */
  cookieDomain: string | undefined;
  cookieSecure: boolean;
  /** Seconds a session lives in Redis and in the cookie. */
  sessionTtl: number;
  /** Origins allowed to POST to the API: every app of the fleet. */
  appOrigins: string[];
}

export const configDefaults = {
  redisUrl: "redis://127.0.0.1:6379",
  cookieName: "ironlink_session",
  sessionTtl: 7 * 24 * 3600,
  appOrigins: ["http://127.0.0.1:5000", "http://127.0.0.1:7000", "http://localhost:5000", "http://localhost:7000"],
} as const;

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const generateHint = "Generate one with `openssl rand -base64 32`.";

export function readConfig(env: Record<string, string | undefined> = process.env): IronlinkConfig {
  const production = env.NODE_ENV === "production";
  return {
    production,
    redisUrl: env.REDIS_URL?.trim() || configDefaults.redisUrl,
    sessionPassword: readSessionPassword(env.SESSION_PASSWORD, production),
    cookieName: env.SESSION_COOKIE_NAME?.trim() || configDefaults.cookieName,
    cookieDomain: env.COOKIE_DOMAIN?.trim() || undefined,
    cookieSecure: readBoolean(env.COOKIE_SECURE, "COOKIE_SECURE") ?? production,
    sessionTtl: readPositiveInteger(env.SESSION_TTL, "SESSION_TTL") ?? configDefaults.sessionTtl,
    appOrigins: readOrigins(env.APP_ORIGINS),
  };
}

let cached: IronlinkConfig | undefined;
/** The process's configuration, read once. Throws ConfigError with what to fix. */
export function getConfig(): IronlinkConfig {
  cached ??= readConfig();
  return cached;
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

function readBoolean(raw: string | undefined, name: string): boolean | undefined {
  if (raw === undefined || raw === "") return undefined;
  if (/^(1|true|yes)$/i.test(raw)) return true;
  if (/^(0|false|no)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false (got "${raw}").`);
}

function readPositiveInteger(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 60) throw new ConfigError(`${name} must be a whole number of seconds above 60 (got "${raw}").`);
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
