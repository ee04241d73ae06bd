import { libraryBuild } from "@ironlink/tsconfig/tsdown.js";
import { defineConfig } from "tsdown";

export default defineConfig(libraryBuild(["src/index.ts"]));
