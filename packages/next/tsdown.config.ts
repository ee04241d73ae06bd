import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { defineConfig } from "tsdown";

/**
 * The workspace's compiler is TypeScript 7, which has no JavaScript API for rolldown-plugin-dts's default
 * (tsc) mode; its tsgo mode runs the compiler's binary instead. TypeScript's package resolves the binary for
 * this platform (lib/getExePath.js, outside its exports map, so located from its package.json).
 */
const typescriptDir = dirname(createRequire(import.meta.url).resolve("typescript/package.json"));
const { default: getExePath } = await import(pathToFileURL(join(typescriptDir, "lib/getExePath.js")).href);

/**
 * Next.js aliases its own entry points by their exact names (`next/navigation`, `next/headers`), picking the
 * build for each kind of module (a route handler gets another `next/navigation` than a page). The bundler
 * spells them with a `.js` (next has no exports map), which bypasses those aliases: keep Next's spelling.
 */
const nextSpecifiers = {
  name: "keep-next-specifiers",
  renderChunk: (code: string) => code.replace(/(from |import\()"next\/([a-z-]+)\.js"/g, '$1"next/$2"'),
};

export default defineConfig({
  plugins: [nextSpecifiers],
  entry: ["src/**/*.ts", "src/**/*.tsx"],
  format: "esm",
  platform: "node",
  // One output file per source module: stack traces and published files read like the source.
  unbundle: true,
  tsconfig: "tsconfig.build.json",
  dts: { tsgo: { path: getExePath() } },
  // Plain .js and .d.ts: the package is "type": "module", so .js is ESM.
  fixedExtension: false,
  clean: true,
});
