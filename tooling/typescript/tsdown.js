// Plain JavaScript: tsdown loads its config's imports from node_modules with Node itself.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * The workspace's compiler is TypeScript 7, which has no JavaScript API for rolldown-plugin-dts's default
 * (tsc) mode; its tsgo mode runs the compiler's binary instead. TypeScript's package resolves the binary for
 * this platform (lib/getExePath.js, outside its exports map, so located from its package.json).
 */
const typescriptDir = dirname(createRequire(import.meta.url).resolve("typescript/package.json"));
const { default: getExePath } = await import(pathToFileURL(join(typescriptDir, "lib/getExePath.js")).href);

/**
 * The tsdown options of every published package: ESM for Node, one output file per source module (stack
 * traces and published files read like the source), declarations by tsgo, plain .js and .d.ts (the packages
 * are "type": "module", so .js is ESM).
 *
 * @param {string[]} entry
 * @returns {import("tsdown").UserConfig}
 */
export function libraryBuild(entry) {
  return {
    entry,
    format: "esm",
    platform: "node",
    unbundle: true,
    tsconfig: "tsconfig.build.json",
    dts: { tsgo: { path: getExePath() } },
    fixedExtension: false,
    clean: true,
  };
}
