import { describe, expect, it } from "vitest";
import { FleetConfigError as ConfigError, fleetDefaults as configDefaults, readFleetConfig as readConfig } from "../src/fleet/config";

const secret = "s".repeat(32);

describe("readFleetConfig", () => {
  it("fills in defaults for development", () => {
    const config = readConfig({ SESSION_PASSWORD: secret });
    expect(config).toMatchObject({
      production: false,
      store: { kind: "redis", redis: configDefaults.redisUrl },
      cookieName: "ironlink_session",
      cookieSecure: false,
      cookieDomain: undefined,
      appOrigins: [...configDefaults.appOrigins],
    });
  });

  it("makes cookies Secure in production unless told otherwise", () => {
    expect(readConfig({ NODE_ENV: "production", SESSION_PASSWORD: secret }).cookieSecure).toBe(true);
    expect(readConfig({ NODE_ENV: "production", SESSION_PASSWORD: secret, COOKIE_SECURE: "false" }).cookieSecure).toBe(false);
  });

  it("refuses a missing or short SESSION_PASSWORD with what to do", () => {
    expect(() => readConfig({ NODE_ENV: "production" })).toThrow(/SESSION_PASSWORD is required in production/);
    expect(() => readConfig({})).toThrow(/npm run dev/);
    expect(() => readConfig({ SESSION_PASSWORD: "short" })).toThrow(/at least 32 characters long \(it has 5\)/);
  });

  it("reads a JSON rotation map", () => {
    const map = { 1: "a".repeat(32), 2: "b".repeat(32) };
    expect(readConfig({ SESSION_PASSWORD: JSON.stringify(map) }).password).toEqual({ 1: map[1], 2: map[2] });
    expect(() => readConfig({ SESSION_PASSWORD: '{"1":"short"}' })).toThrow(ConfigError);
    expect(() => readConfig({ SESSION_PASSWORD: "{not json" })).toThrow(/not valid JSON/);
  });

  it("reads origins, domain and ttl, refusing malformed ones", () => {
    const config = readConfig({ SESSION_PASSWORD: secret, APP_ORIGINS: "https://a.example.com, https://b.example.com", COOKIE_DOMAIN: "example.com", SESSION_TTL: "7200", SESSION_ABSOLUTE_TIMEOUT: "3600", SESSION_IDLE_TIMEOUT: "600" });
    expect(config.appOrigins).toEqual(["https://a.example.com", "https://b.example.com"]);
    expect(config.cookieDomain).toBe("example.com");
    expect(config).toMatchObject({ ttl: 7200, absoluteTimeout: 3600, idleTimeout: 600 });
    expect(() => readConfig({ SESSION_PASSWORD: secret, APP_ORIGINS: "https://a.example.com/path" })).toThrow(/bare origins/);
    expect(() => readConfig({ SESSION_PASSWORD: secret, APP_ORIGINS: "nope" })).toThrow(/not an origin/);
    expect(() => readConfig({ SESSION_PASSWORD: secret, SESSION_TTL: "10" })).toThrow(/SESSION_TTL/);
    expect(() => readConfig({ SESSION_PASSWORD: secret, SESSION_TTL: "3600" })).toThrow(/must be at least SESSION_ABSOLUTE_TIMEOUT/);
    expect(() => readConfig({ SESSION_PASSWORD: secret, SESSION_IDLE_TIMEOUT: "7200", SESSION_ABSOLUTE_TIMEOUT: "3600" })).toThrow(/cannot exceed/);
    expect(() => readConfig({ SESSION_PASSWORD: secret, COOKIE_SECURE: "maybe" })).toThrow(/COOKIE_SECURE/);
  });

  it("defaults to 30 minutes idle and 12 hours absolute, the ttl following the absolute timeout", () => {
    expect(readConfig({ SESSION_PASSWORD: secret })).toMatchObject({ idleTimeout: 1800, absoluteTimeout: 43200, ttl: 43200, migrateIronSessionCookies: true });
  });

  it("prefixes a Secure cookie's name: __Host- on the exact host, __Secure- with COOKIE_DOMAIN, none when not Secure", () => {
    const production = { SESSION_PASSWORD: secret, NODE_ENV: "production" };
    expect(readConfig(production).cookieName).toBe("__Host-ironlink_session");
    expect(readConfig({ ...production, APP_ORIGINS: "https://a.example.com,https://b.example.com" }).cookieName).toBe("__Host-ironlink_session");
    expect(readConfig({ ...production, COOKIE_DOMAIN: "example.com" }).cookieName).toBe("__Secure-ironlink_session");
    expect(readConfig({ ...production, COOKIE_SECURE: "false" }).cookieName).toBe("ironlink_session");
    expect(readConfig({ SESSION_PASSWORD: secret }).cookieName).toBe("ironlink_session");
    expect(readConfig({ ...production, SESSION_COOKIE_NAME: "__Secure-mine" }).cookieName).toBe("__Secure-mine");
  });

  it("chooses the store: Redis by default, files with an absolute shared directory", () => {
    expect(readConfig({ SESSION_PASSWORD: secret }).store).toEqual({ kind: "redis", redis: configDefaults.redisUrl });
    expect(readConfig({ SESSION_PASSWORD: secret, SESSION_STORE: "file", SESSION_FILE_PATH: "/srv/sessions" }).store).toEqual({ kind: "file", dir: "/srv/sessions" });
    expect(() => readConfig({ SESSION_PASSWORD: secret, SESSION_STORE: "file" })).toThrow(/SESSION_FILE_PATH/);
    expect(() => readConfig({ SESSION_PASSWORD: secret, SESSION_STORE: "file", SESSION_FILE_PATH: "relative/dir" })).toThrow(/absolute/);
    expect(() => readConfig({ SESSION_PASSWORD: secret, SESSION_STORE: "memcached" })).toThrow(/"redis" or "file"/);
  });

  it("reads Redis Cluster and Sentinel settings", () => {
    expect(readConfig({ SESSION_PASSWORD: secret, REDIS_CLUSTER_NODES: "10.0.0.1:7000, 10.0.0.2:7001" }).store).toEqual({ kind: "redis", redis: {
      clusterNodes: [
        { host: "10.0.0.1", port: 7000 },
        { host: "10.0.0.2", port: 7001 },
      ],
    } });
    expect(readConfig({ SESSION_PASSWORD: secret, REDIS_SENTINELS: "127.0.0.1:26379", REDIS_SENTINEL_NAME: "mymaster" }).store).toEqual({ kind: "redis", redis: {
      sentinels: [{ host: "127.0.0.1", port: 26379 }],
      name: "mymaster",
    } });
    expect(() => readConfig({ SESSION_PASSWORD: secret, REDIS_SENTINELS: "127.0.0.1:26379" })).toThrow(/REDIS_SENTINEL_NAME/);
    expect(() => readConfig({ SESSION_PASSWORD: secret, REDIS_CLUSTER_NODES: "nonsense" })).toThrow(/host:port/);
  });
});
