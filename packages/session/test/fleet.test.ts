import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { unsealData } from "iron-session";
import { afterAll, describe, expect, inject, test } from "vitest";
import { createFleet, type Fleet, FleetConfigError, FleetMismatchError, readFleetConfig } from "../src/fleet/index";
import { MemoryCookieStore, otherPassword, password } from "./helpers";

const fleets: Fleet[] = [];
afterAll(async () => {
  for (const fleet of fleets) {
    await fleet.redis?.del(`ironlink:fleet:${fleet.config.fleetName}`);
    await fleet.close();
  }
});

/** An app of the fleet `name` on this run's Redis, with the environment it would read. */
function app(name: string, env: Record<string, string> = {}, appName = "app"): Fleet {
  const fullEnv = { SESSION_PASSWORD: password, IRONLINK_FLEET: name, ...env };
  const config = { ...readFleetConfig(fullEnv), store: { kind: "redis" as const, redis: inject("redisConnection") } };
  const fleet = createFleet({ appName, env: fullEnv, config });
  fleets.push(fleet);
  return fleet;
}

describe("readFleetConfig", () => {
  test("the documented defaults: 30 min idle, 12 h absolute, ttl = absolute, the demo origins, sign-in at the first", () => {
    const config = readFleetConfig({ SESSION_PASSWORD: password });
    expect(config).toMatchObject({
      fleetName: "ironlink",
      cookieName: "ironlink_session",
      cookieSecure: false,
      idleTimeout: 1800,
      absoluteTimeout: 43200,
      ttl: 43200,
      keyPrefix: "ironlink:session:",
      loginUrl: "http://127.0.0.1:5000",
      store: { kind: "redis", redis: "redis://127.0.0.1:6379" },
    });
    expect(config.appOrigins).toContain("http://127.0.0.1:9000");
  });

  test("a Secure cookie is prefixed: __Host- on one host, __Secure- with COOKIE_DOMAIN; production means Secure", () => {
    expect(readFleetConfig({ SESSION_PASSWORD: password, NODE_ENV: "production" }).cookieName).toBe("__Host-ironlink_session");
    expect(readFleetConfig({ SESSION_PASSWORD: password, COOKIE_SECURE: "true", COOKIE_DOMAIN: "example.com" }).cookieName).toBe("__Secure-ironlink_session");
  });

  test("LOGIN_URL must be one of APP_ORIGINS; malformed values name the variable", () => {
    const origins = "https://a.example.com,https://b.example.com";
    expect(readFleetConfig({ SESSION_PASSWORD: password, APP_ORIGINS: origins, LOGIN_URL: "https://b.example.com" }).loginUrl).toBe("https://b.example.com");
    expect(() => readFleetConfig({ SESSION_PASSWORD: password, APP_ORIGINS: origins, LOGIN_URL: "https://evil.example" })).toThrow(/LOGIN_URL .* must be one of APP_ORIGINS/);
    expect(() => readFleetConfig({ SESSION_PASSWORD: password, SESSION_IDLE_TIMEOUT: "ten" })).toThrow(FleetConfigError);
    expect(() => readFleetConfig({ SESSION_PASSWORD: password, SESSION_TTL: "3600" })).toThrow(/SESSION_TTL \(3600\) must be at least SESSION_ABSOLUTE_TIMEOUT/);
  });
});

describe("the fleet's settings record", () => {
  test("the first app records the settings; an app that agrees starts; one with another idle timeout is refused, naming both values", async () => {
    const name = randomUUID();
    await app(name, {}, "App One").checkSettings();
    await app(name, {}, "App Two").checkSettings();
    const error = await app(name, { SESSION_IDLE_TIMEOUT: "600" }, "Outside").checkSettings().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FleetMismatchError);
    expect((error as Error).message).toMatch(/SESSION_IDLE_TIMEOUT: this app has 600, the fleet has 1800/);
    expect((error as Error).message).toMatch(/recorded by App One/);
  });

  test("every shared setting is compared: cookie name, domain, ttl, key prefix", async () => {
    const name = randomUUID();
    await app(name).checkSettings();
    for (const [variable, value] of [["SESSION_COOKIE_NAME", "other"], ["COOKIE_DOMAIN", "example.com"], ["SESSION_TTL", "86400"], ["SESSION_KEY_PREFIX", "x:"]]) {
      await expect(app(name, { [variable!]: value! }).checkSettings()).rejects.toThrow(new RegExp(`${variable}: this app has`));
    }
  });

  test("another password is refused; a rotation map that still holds the fleet's password is accepted", async () => {
    const name = randomUUID();
    await app(name, { SESSION_PASSWORD: JSON.stringify({ 1: password }) }).checkSettings();
    await expect(app(name, { SESSION_PASSWORD: otherPassword }).checkSettings()).rejects.toThrow(/SESSION_PASSWORD cannot open the seals/);
    await app(name, { SESSION_PASSWORD: JSON.stringify({ 1: password, 2: otherPassword }) }).checkSettings();
  });

  test("an app that left COOKIE_SECURE unset (no NODE_ENV) takes the fleet's recorded true, and says so; a chosen false is refused", async () => {
    const name = randomUUID();
    await app(name, { NODE_ENV: "production" }, "App One").checkSettings();
    const logged: string[] = [];
    const info = console.info;
    console.info = (line: string) => void logged.push(line);
    const express = app(name, {}, "Express app");
    try {
      await express.checkSettings();
    } finally {
      console.info = info;
    }
    expect(express.config).toMatchObject({ cookieSecure: true, cookieName: "__Host-ironlink_session" });
    expect(logged).toEqual([expect.stringMatching(/COOKIE_SECURE is not set for this app .* takes the fleet ".*"'s recorded true \(recorded by App One\)/)]);
    // Its sessions now write the fleet's cookie: Secure, under the fleet's name.
    const cookies = new MemoryCookieStore();
    const session = await express.sessions.getSession(cookies);
    Object.assign(session, { user: { id: `user-${randomUUID()}`, username: "alice" }, signedInAt: Date.now(), signedInOn: "Express app", userAgent: "test" });
    await session.save();
    expect(cookies.writes.map(({ name, options }) => [name, options?.secure])).toEqual([["__Host-ironlink_session", true]]);
    await express.sessions.revokeUserSessions(session.user!.id);

    await expect(app(name, { COOKIE_SECURE: "false" }).checkSettings()).rejects.toThrow(/COOKIE_SECURE: this app has false, the fleet has true/);
  });

  test("a production app is never made to send its cookie over HTTP: against a fleet recorded with false, it refuses", async () => {
    const name = randomUUID();
    await app(name).checkSettings();
    const production = app(name, { NODE_ENV: "production" });
    await expect(production.checkSettings()).rejects.toThrow(/COOKIE_SECURE: this app has true, the fleet has false/);
    expect(production.config.cookieSecure).toBe(true);
  });

  test("IRONLINK_FLEET_ADOPT=true replaces the record: how a fleet changes a setting", async () => {
    const name = randomUUID();
    await app(name).checkSettings();
    await app(name, { SESSION_IDLE_TIMEOUT: "600", IRONLINK_FLEET_ADOPT: "true" }).checkSettings();
    await app(name, { SESSION_IDLE_TIMEOUT: "600" }).checkSettings();
    await expect(app(name).checkSettings()).rejects.toThrow(/this app has 1800, the fleet has 600/);
  });

  test("IRONLINK_FLEET_ADOPT=true with another password is refused, and the record stays the fleet's", async () => {
    const name = randomUUID();
    await app(name).checkSettings();
    const adopting = app(name, { SESSION_PASSWORD: otherPassword, SESSION_IDLE_TIMEOUT: "600", IRONLINK_FLEET_ADOPT: "true" });
    await expect(adopting.checkSettings()).rejects.toThrow(/SESSION_PASSWORD cannot open the seals/);
    await app(name).checkSettings();
    // A rotation map that still holds the fleet's password may adopt; its probe is sealed with the map's newest id.
    const rotated = JSON.stringify({ 1: password, 2: otherPassword });
    await app(name, { SESSION_PASSWORD: rotated, IRONLINK_FLEET_ADOPT: "true" }).checkSettings();
    const record = JSON.parse((await app(name).redis!.get(`ironlink:fleet:${name}`)) as string);
    expect(record.passwordProbe).toMatch(/^Fe26\.2\*2\*/);
    await expect(app(name, { SESSION_PASSWORD: password }).checkSettings()).rejects.toThrow(/cannot open the seals/);
  });

  test("an unreadable record is refused loudly, adopting or not, and left as it was", async () => {
    const name = randomUUID();
    const fleet = app(name);
    await fleet.redis!.set(`ironlink:fleet:${name}`, "{not json");
    for (const env of [{}, { IRONLINK_FLEET_ADOPT: "true" }] as Record<string, string>[]) {
      await expect(app(name, env).checkSettings()).rejects.toThrow(/settings record in the store cannot be read.*Nothing was changed/);
    }
    expect(await fleet.redis!.get(`ironlink:fleet:${name}`)).toBe("{not json");
  });

  test("a rotation map's ids follow the session options' rules, with a FleetConfigError naming SESSION_PASSWORD", () => {
    expect(() => readFleetConfig({ SESSION_PASSWORD: JSON.stringify({ old: password, new: otherPassword }) })).toThrow(FleetConfigError);
    expect(() => readFleetConfig({ SESSION_PASSWORD: JSON.stringify({ "01": password }) })).toThrow(/SESSION_PASSWORD: password ids must be whole numbers/);
  });

  test("the file store keeps the record beside the sessions", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ironlink-fleet-"));
    try {
      const env = { SESSION_PASSWORD: password, SESSION_STORE: "file", SESSION_FILE_PATH: dir };
      await createFleet({ env }).checkSettings();
      await expect(createFleet({ env: { ...env, SESSION_ABSOLUTE_TIMEOUT: "7200" } }).checkSettings()).rejects.toThrow(/SESSION_ABSOLUTE_TIMEOUT: this app has 7200/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

test("apps' names by origin (nameApp): what the sign-in page says instead of a host, in Redis and in the file store", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ironlink-fleet-"));
  try {
    const fileEnv = { SESSION_PASSWORD: password, SESSION_STORE: "file", SESSION_FILE_PATH: dir };
    for (const [writer, reader] of [
      [app(randomUUID()), undefined],
      [createFleet({ env: fileEnv }), createFleet({ env: fileEnv })],
    ] as const) {
      const other = reader ?? app(writer.config.fleetName);
      await writer.nameApp("https://reports.example.com/reports", `Reports${"!".repeat(100)}`);
      expect(await other.appNameAt("https://reports.example.com")).toBe(`Reports${"!".repeat(57)}`);
      expect(await other.appNameAt("https://billing.example.com")).toBeUndefined();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a fleet's sessions: typed data, the per-user index, a cookie iron-session's unsealData opens", async () => {
  const fleet = app(randomUUID());
  const cookies = new MemoryCookieStore();
  const session = await fleet.sessions.getSession(cookies);
  const userId = `user-${randomUUID()}`;
  Object.assign(session, { user: { id: userId, username: "alice" }, signedInAt: Date.now(), signedInOn: "App One", userAgent: "test" });
  await session.save();
  const cookie = cookies.written(fleet.config.cookieName);
  expect(await unsealData(cookie, { password })).toHaveProperty("sid");
  expect((await fleet.sessions.listSessions(userId)).map((listed) => listed.data.user?.username)).toEqual(["alice"]);
  await fleet.sessions.revokeUserSessions(userId);
});
