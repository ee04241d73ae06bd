import { generateKeyPairSync, randomUUID } from "node:crypto";
import type { FleetConfig } from "../config";

/**
 * The provider's signing keys: IRONLINK_OIDC_JWKS's, the first signing (its alg is every client's default
 * id_token_signed_response_alg) and all published, so a key being rotated in or out still verifies. Outside
 * production, with none given (a test, a first run without `npm run dev`), one key made for this process,
 * said in the log: tokens it signs stop verifying when the process restarts. config.ts refuses production
 * without keys.
 */
export function signingKeys(config: FleetConfig): { jwks: { keys: object[] }; alg: "RS256" | "ES256" } {
  const given = config.oidc.jwks;
  if (given) return { jwks: given, alg: given.keys[0]?.alg ?? "RS256" };
  console.warn("ironlink: IRONLINK_OIDC_JWKS is not set: the OpenID Provider signs with a key made for this process only (docs/oidc.md says how to make one to keep).");
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { jwks: { keys: [{ ...privateKey.export({ format: "jwk" }), kid: randomUUID(), alg: "ES256", use: "sig" }] }, alg: "ES256" };
}
