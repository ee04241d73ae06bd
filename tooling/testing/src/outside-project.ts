import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { copyFile, mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/**
 * A project outside the workspace (in the OS temp dir) that installs workspace packages from the tarballs
 * `npm pack` makes, as people install them from the registry: how the package tests check what is published.
 */

export const run = promisify(execFile);
export const workspaceRoot = resolve(fileURLToPath(new URL("../../..", import.meta.url)));

/**
 * The version the workspace runs, so the outside project tests the same one (and finds it in npm's cache);
 * for iron-session, the one standing in as the peer when IRONLINK_IRON_SESSION_ENTRY names one (vitest-config.js).
 */
export const installedVersion = (name: string): string => {
  const swapped = name === "iron-session" ? process.env.IRONLINK_IRON_SESSION_ENTRY : undefined;
  const manifest = swapped ? join(dirname(swapped), "..", "package.json") : join(workspaceRoot, "node_modules", name, "package.json");
  return JSON.parse(readFileSync(manifest, "utf8")).version;
};

// The child npm must not inherit the workspace's npm settings (the workspace, its prefix) from `npm test`.
export const outsideEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name))) as NodeJS.ProcessEnv;

export const npm = (args: string[], cwd: string) =>
  run("npm", [...args, "--prefer-offline", "--no-audit", "--no-fund"], { cwd, env: outsideEnv, maxBuffer: 16 * 1024 * 1024 });

export interface OutsideProjectOptions {
  /** Workspace packages to pack and install, by name (`@ironlink/session`). */
  packs: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  /** A directory whose files are copied into the project (its scripts, tsconfig and typechecked files). */
  fixtureDir: string;
}

/** Packs the packages into a new temp dir, installs them there (as `file:` dependencies) with the others, and returns the dir. */
export async function createOutsideProject({ packs, dependencies = {}, devDependencies = {}, fixtureDir }: OutsideProjectOptions): Promise<string> {
  for (const name of packs) {
    const dir = join(workspaceRoot, "packages", name.replace(/^@ironlink\//, ""));
    if (!existsSync(join(dir, "dist/index.js"))) throw new Error(`${dir}/dist is missing: build it (turbo runs the builds before this test)`);
  }
  const project = await mkdtemp(join(tmpdir(), "ironlink-outside-"));
  await npm(["pack", ...packs.flatMap((name) => ["-w", name]), "--pack-destination", project], workspaceRoot);
  const tarballs = (await readdir(project)).filter((name) => name.endsWith(".tgz"));
  const packed = Object.fromEntries(
    packs.map((name) => {
      const tarball = tarballs.find((file) => file.startsWith(`${name.replace(/^@/, "").replace("/", "-")}-`));
      if (!tarball) throw new Error(`npm pack left no tarball of ${name} in ${project}`);
      return [name, `file:./${tarball}`];
    }),
  );
  await writeFile(
    join(project, "package.json"),
    // overrides: a packed package's dependency on another workspace package resolves to its tarball too.
    JSON.stringify({ name: "outside-app", private: true, type: "module", dependencies: { ...packed, ...dependencies }, devDependencies, overrides: packed }),
  );
  for (const file of await readdir(fixtureDir)) await copyFile(join(fixtureDir, file), join(project, file));
  await npm(["install"], project);
  return project;
}

/** Runs the project's TypeScript 5.9 (what people install) on one of its tsconfigs, failing with what tsc said. */
export async function typecheckOutsideProject(project: string, tsconfig = "tsconfig.json"): Promise<void> {
  const tsc = join(project, "node_modules/.bin/tsc");
  const { stdout: version } = await run(tsc, ["--version"], { cwd: project });
  if (!/^Version 5\.9\./.test(version)) throw new Error(`the outside project runs TypeScript ${version.trim()}, not 5.9`);
  await run(tsc, ["-p", tsconfig], { cwd: project }).catch((error: { stdout?: string }) => {
    throw new Error(`tsc found errors:\n${error.stdout}`);
  });
}
