import { readFile, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createOutsideProject, installedVersion, typecheckOutsideProject, type RedisServer, run, startRedis } from "@ironlink/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createSessionManager, regenerateSession, type SessionOptions, sessionInfo } from "../src/index";
import { createRedisClient, RedisStore } from "../src/redis";
import { MemoryCookieStore, topology } from "./helpers";

/**
 * The package as people install it: the tarball `npm pack` makes, installed from it into a project outside
 * the workspace (in the OS temp dir) next to iron-session, ioredis and TypeScript 5.9 from the registry.
 * There it reads a session the workspace's library wrote, and a file using the whole public API typechecks
 * under the strictest settings an app might use. Once per test run, not once per Redis topology: it tests
 * the package, not the topology.
 */

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const fixtureDir = join(packageDir, "test/outside-project");

// The settings fleetSessionOptions (packages/session/src/fleet/index.ts) gives app one, with fixed values for its environment.
const sharedOptions = {
  password: { 1: "the-fleet-session-password-of-32-characters" },
  cookieName: "ironlink_session",
  ttl: 3600,
  idleTimeout: 1800,
  absoluteTimeout: 3600,
  cookieOptions: { secure: false, httpOnly: true, sameSite: "lax", path: "/" },
  legacyCookies: "ignore",
  prefix: "outside:",
} as const;

describe.runIf(topology === "single")("the published package, from a project outside the workspace", { timeout: 120_000 }, () => {
  let project: string;
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await startRedis();
    project = await createOutsideProject({
      packs: ["@ironlink/session"],
      dependencies: { "iron-session": installedVersion("iron-session"), ioredis: installedVersion("ioredis") },
      devDependencies: { typescript: "~5.9.0", "@types/node": "^20", vitest: installedVersion("vitest") },
      fixtureDir,
    });
  }, 300_000);

  afterAll(async () => {
    await redis?.stop();
    if (project) await rm(project, { recursive: true, force: true });
  });

  test("plain Node reads a session the workspace's library wrote, through every call form", async () => {
    const client = createRedisClient(redis.url);
    try {
      const options: SessionOptions = {
        ...sharedOptions,
        cookieOptions: { ...sharedOptions.cookieOptions },
        store: new RedisStore({ client, prefix: sharedOptions.prefix }),
        userId: (data) => (data as { user?: { id: string } }).user?.id,
      };
      const cookies = new MemoryCookieStore();
      const session = await createSessionManager<{ user: { id: string; name: string } }>(options).getSession(cookies);
      await regenerateSession(session);
      session.user = { id: "alice", name: "Alice" };
      await session.save();
      const cookie = cookies.get(sharedOptions.cookieName)?.value;
      expect(cookie).toBeTruthy();

      const { stdout } = await run("node", ["read-session.mjs", redis.url, cookie ?? "", JSON.stringify(sharedOptions)], { cwd: project });
      const read = JSON.parse(stdout);
      const { publicId } = sessionInfo(session);
      const expected = { state: "active", user: { id: "alice", name: "Alice" }, publicId };
      expect(read.fetch).toEqual(expected);
      expect(read.node).toEqual(expected);
      expect(read.listed).toEqual([publicId]);
      expect(read.file).toEqual({ state: "active", greeting: "hello" });
    } finally {
      client.disconnect();
    }
  });

  test("the core entry imports no Redis client", async () => {
    const dist = join(project, "node_modules/@ironlink/session/dist");
    const reached = new Set<string>();
    const visit = async (file: string): Promise<void> => {
      if (reached.has(file)) return;
      reached.add(file);
      const source = await readFile(file, "utf8");
      // `from "x"` (static imports and re-exports), or `import "x"` and `import("x")` (side effects, dynamic): every one counts.
      for (const [, fromSpecifier, importSpecifier] of source.matchAll(/\bfrom\s+"([^"]+)"|\bimport\s*\(?\s*"([^"]+)"/g)) {
        const specifier = fromSpecifier ?? importSpecifier;
        if (specifier?.startsWith(".")) await visit(resolve(dirname(file), specifier));
        else if (specifier) reached.add(specifier);
      }
    };
    await visit(join(dist, "index.js"));
    expect([...reached].filter((name) => !name.startsWith("/") && !name.startsWith("node:")).sort()).toEqual(["cookie", "iron-session"]);
  });

  test.each([
    ["nodenext", "tsconfig.json"],
    ["bundler", "tsconfig.bundler.json"],
  ])("a file using the whole public API typechecks with tsc 5.9 under %s resolution and the strict flags", async (_resolution, tsconfig) => {
    await typecheckOutsideProject(project, tsconfig);
  });
});
