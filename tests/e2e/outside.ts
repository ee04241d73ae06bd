import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";

/**
 * For specs that install the packed packages into projects outside the workspace. (The package suites have
 * the same in @ironlink/testing, an ES module the Playwright runner cannot load.)
 */
export const run = promisify(execFile);
export const repoRoot = path.resolve(__dirname, "../..");
// The child npm must not inherit the workspace's npm settings (the workspace, its prefix) from `npm test`.
export const outsideEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name))) as NodeJS.ProcessEnv;
export const npm = (args: string[], cwd: string) =>
  run("npm", [...args, "--prefer-offline", "--no-audit", "--no-fund"], { cwd, env: outsideEnv, maxBuffer: 16 * 1024 * 1024 });
/** The version the workspace runs, so the outside project tests the same one (and finds it in npm's cache). */
export const installedVersion = (name: string): string =>
  (JSON.parse(readFileSync(path.join(repoRoot, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
