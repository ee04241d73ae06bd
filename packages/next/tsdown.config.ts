import { libraryBuild } from "@ironlink/tsconfig/tsdown.js";
import { defineConfig } from "tsdown";

/**
 * Next.js aliases its own entry points by their exact names (`next/navigation`, `next/headers`), picking the
 * build for each kind of module (a route handler gets another `next/navigation` than a page). The bundler
 * spells them with a `.js` (next has no exports map), which bypasses those aliases: keep Next's spelling.
 */
const nextSpecifiers = {
  name: "keep-next-specifiers",
  renderChunk: (code: string, chunk: { fileName: string }) => (chunk.fileName.endsWith(".d.ts") ? null : code.replace(/(from |import\()"next\/([a-z-]+)\.js"/g, '$1"next/$2"')),
};

export default defineConfig({ ...libraryBuild(["src/**/*.ts", "src/**/*.tsx"]), plugins: [nextSpecifiers] });
