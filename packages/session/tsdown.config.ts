import { libraryBuild } from "@ironlink/tsconfig/tsdown.js";
import { defineConfig } from "tsdown";

// The package's entry points, and two modules that are no export of the package but are built with their
// declarations for the benchmarks: the fleet's password hashing (bench/app/signin times it as the fleet runs
// it) and the OpenID Provider's protocol settings (bench/oidc's in-memory contender runs the same ones).
export default defineConfig(
  libraryBuild(["src/index.ts", "src/redis.ts", "src/file.ts", "src/fleet/index.ts", "src/oidc.ts", "src/testing.ts", "src/fleet/accounts/users/password-hash.ts", "src/fleet/oidc/protocol.ts"]),
);
