import { libraryBuild } from "@ironlink/tsconfig/tsdown.js";
import { defineConfig } from "tsdown";

// The package's entry points, and the fleet's password hashing: no export of the package, built with its
// declarations for the benchmark's sign-in (bench/app/signin), which times it as the fleet runs it.
export default defineConfig(
  libraryBuild(["src/index.ts", "src/redis.ts", "src/file.ts", "src/fleet/index.ts", "src/oidc.ts", "src/testing.ts", "src/fleet/accounts/users/password-hash.ts"]),
);
