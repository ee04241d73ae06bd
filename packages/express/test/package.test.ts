import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createOutsideProject, installedVersion, typecheckOutsideProject, npm, run } from "@ironlink/testing";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { appOfFleet, fleetEnv, loginUrl, publicUrl, signIn } from "./helpers";

/**
 * The package as people install it: the tarballs `npm pack` makes of @ironlink/session and
 * @ironlink/express, installed into a project outside the workspace next to Express and TypeScript 5.9 from
 * the registry. There plain Node serves a session the workspace's library wrote, a file using the whole
 * public API typechecks under strict nodenext, and nothing of Next.js or React is installed.
 */

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");

describe("the published package, from a project outside the workspace", { timeout: 120_000 }, () => {
  let project: string;

  beforeAll(async () => {
    project = await createOutsideProject({
      packs: ["@ironlink/session", "@ironlink/express"],
      dependencies: { express: installedVersion("express") },
      devDependencies: { typescript: "~5.9.0", "@types/node": "^20", "@types/express": installedVersion("@types/express") },
      fixtureDir: join(packageDir, "test/outside-project"),
    });
  }, 300_000);

  afterAll(async () => {
    if (project) await rm(project, { recursive: true, force: true });
  });

  test("plain Node serves a session the workspace's library sealed, sends browsers to sign in and refuses cross-site posts", async () => {
    const env = { ...fleetEnv(), REDIS_URL: inject("redisUrl"), SERVICE_URL: publicUrl };
    const cookie = await signIn(appOfFleet(env, "App One"), { id: "u-1", username: "alice" });
    const { stdout } = await run("node", ["serve.mjs", JSON.stringify(env), cookie], { cwd: project });
    expect(JSON.parse(stdout)).toEqual({
      signedIn: { status: 200, body: { user: { id: "u-1", username: "alice" } } },
      browser: { status: 303, location: `${loginUrl}/login?next=${encodeURIComponent(`${publicUrl}/api/me`)}` },
      crossSite: 403,
    });
  });

  test("a file using the whole public API typechecks with tsc 5.9 under nodenext and the strict flags", async () => {
    await typecheckOutsideProject(project);
  });

  test("neither Next.js nor React is installed with it", async () => {
    for (const name of ["next", "react", "react-dom"]) expect(existsSync(join(project, "node_modules", name)), name).toBe(false);
    // `npm ls` exits 1 when it finds nothing of these names: the empty tree is the answer wanted.
    const listed = await npm(["ls", "next", "react", "react-dom", "--all", "--json"], project).catch((error: { stdout: string }) => error);
    expect(JSON.parse(listed.stdout).dependencies ?? {}).toEqual({});
  });
});
