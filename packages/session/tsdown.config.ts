import { libraryBuild } from "@ironlink/tsconfig/tsdown.js";
import { defineConfig } from "tsdown";

export default defineConfig(libraryBuild(["src/index.ts", "src/redis.ts", "src/file.ts", "src/fleet/index.ts", "src/testing.ts"]));
