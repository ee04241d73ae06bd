import { readFileSync } from "node:fs";
import { isAbsolute } from "node:path";
import { type Environment, FleetConfigError } from "./config";

/**
 * The OpenID Provider's settings (docs/oidc.md), read with the fleet's: its clients (IRONLINK_OIDC_CLIENTS)
 * and its signing keys (IRONLINK_OIDC_JWKS), each inline JSON or `@/absolute/path.json`. Only the sign-in app
 * serves the provider; the other apps read and ignore them. A bad client entry stops the app at start with
 * the entry and the field named; oidc-provider then checks each entry again as it loads it.
 */
export interface OidcSettings {
  clients: OidcClient[];
  /** The private keys: the first signs, all are published for verifying. Undefined: none given. */
  jwks: { keys: OidcSigningKey[] } | undefined;
}

/** A client as the operator lists it: standard client metadata (RFC 7591, OIDC Registration, Back-Channel Logout). */
export interface OidcClient {
  client_id: string;
  client_secret?: string;
  token_endpoint_auth_method?: "client_secret_basic" | "client_secret_post" | "none";
  redirect_uris: string[];
  post_logout_redirect_uris?: string[];
  backchannel_logout_uri?: string;
  backchannel_logout_session_required?: boolean;
  grant_types?: Array<"authorization_code" | "refresh_token">;
  [field: string]: unknown;
}

/** A private JSON Web Key: RSA (RS256) or EC P-256 (ES256). */
export interface OidcSigningKey {
  kty: "RSA" | "EC";
  kid?: string;
  alg?: "RS256" | "ES256";
  d: string;
  [member: string]: unknown;
}

/** The shortest client secret accepted: as long as SESSION_PASSWORD's, since it guards as much. */
export const minimumClientSecretLength = 32;

const authMethods = new Set(["client_secret_basic", "client_secret_post", "none"]);
const grantTypes = new Set(["authorization_code", "refresh_token"]);

export function readOidcSettings(env: Environment, production: boolean): OidcSettings {
  const clients = readClients(readJson(env, "IRONLINK_OIDC_CLIENTS") ?? []);
  const jwks = readKeys(readJson(env, "IRONLINK_OIDC_JWKS"));
  if (production && clients.length > 0 && !jwks) {
    throw new FleetConfigError(
      "IRONLINK_OIDC_CLIENTS lists clients but IRONLINK_OIDC_JWKS is not set: in production the provider needs its signing keys (a private JWKS, inline or @/path/to/jwks.json; docs/oidc.md says how to make one).",
    );
  }
  return { clients, jwks };
}

/** A variable holding JSON, or `@/absolute/path` to a file that does. */
function readJson(env: Environment, name: string): unknown {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  let text = raw;
  if (raw.startsWith("@")) {
    const path = raw.slice(1);
    if (!isAbsolute(path)) throw new FleetConfigError(`${name}: "@${path}" must name an absolute path.`);
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      throw new FleetConfigError(`${name}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FleetConfigError(`${name} is not valid JSON (${(error as Error).message}).`);
  }
}

function readClients(value: unknown): OidcClient[] {
  if (!Array.isArray(value)) throw new FleetConfigError("IRONLINK_OIDC_CLIENTS must be a JSON array of client metadata objects.");
  const seen = new Set<string>();
  return value.map((entry, index) => {
    const client = readClient(entry, index);
    if (seen.has(client.client_id)) throw clientError(index, client.client_id, "client_id", "is listed twice");
    seen.add(client.client_id);
    return client;
  });
}

function readClient(entry: unknown, index: number): OidcClient {
  if (!entry || typeof entry !== "object" || Array.isArray(entry)) throw clientError(index, undefined, undefined, "must be an object of client metadata");
  const client = entry as Record<string, unknown>;
  const id = typeof client.client_id === "string" && client.client_id.trim() ? client.client_id : undefined;
  const fail = (field: string, problem: string) => clientError(index, id, field, problem);
  if (!id) throw fail("client_id", "must be a non-empty string");
  const method = client.token_endpoint_auth_method ?? "client_secret_basic";
  if (typeof method !== "string" || !authMethods.has(method)) throw fail("token_endpoint_auth_method", `must be one of ${[...authMethods].join(", ")}`);
  if (method === "none" && client.client_secret !== undefined) throw fail("client_secret", 'must be absent for a public client (token_endpoint_auth_method "none")');
  if (method !== "none" && (typeof client.client_secret !== "string" || client.client_secret.length < minimumClientSecretLength)) {
    throw fail("client_secret", `must be a string of at least ${minimumClientSecretLength} characters (or set token_endpoint_auth_method "none" for a public client, which must use PKCE)`);
  }
  if (!isUrlList(client.redirect_uris) || client.redirect_uris.length === 0) throw fail("redirect_uris", "must be a non-empty array of absolute URLs without a fragment");
  if (client.post_logout_redirect_uris !== undefined && !isUrlList(client.post_logout_redirect_uris)) throw fail("post_logout_redirect_uris", "must be an array of absolute URLs");
  if (client.backchannel_logout_uri !== undefined && !isUrlList([client.backchannel_logout_uri])) throw fail("backchannel_logout_uri", "must be an absolute URL");
  if (client.backchannel_logout_session_required !== undefined && typeof client.backchannel_logout_session_required !== "boolean") {
    throw fail("backchannel_logout_session_required", "must be true or false");
  }
  const grants = client.grant_types ?? ["authorization_code"];
  if (!Array.isArray(grants) || !grants.includes("authorization_code") || grants.some((grant) => !grantTypes.has(grant as string))) {
    throw fail("grant_types", 'must list "authorization_code", and may add "refresh_token"');
  }
  return { ...client, client_id: id, token_endpoint_auth_method: method, redirect_uris: client.redirect_uris } as OidcClient;
}

const isUrlList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === "string" && URL.canParse(item) && !item.includes("#") && /^https?:$/.test(new URL(item).protocol));

function clientError(index: number, id: string | undefined, field: string | undefined, problem: string): FleetConfigError {
  const entry = `entry ${index + 1}${id ? ` ("${id}")` : ""}`;
  return new FleetConfigError(`IRONLINK_OIDC_CLIENTS ${entry}: ${field ? `${field} ` : ""}${problem}.`);
}

function readKeys(value: unknown): OidcSettings["jwks"] {
  if (value === undefined) return undefined;
  const keys = (value as { keys?: unknown })?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new FleetConfigError('IRONLINK_OIDC_JWKS must be a JWKS: {"keys":[…]} with at least one private key.');
  return {
    keys: keys.map((key: Record<string, unknown>, index) => {
      const where = `IRONLINK_OIDC_JWKS key ${index + 1}${typeof key?.kid === "string" ? ` ("${key.kid}")` : ""}`;
      if (typeof key?.d !== "string") throw new FleetConfigError(`${where} is not a private key (no "d"): the provider signs with it.`);
      const alg = key.kty === "RSA" ? "RS256" : key.kty === "EC" && key.crv === "P-256" ? "ES256" : undefined;
      if (!alg) throw new FleetConfigError(`${where}: only RSA (RS256) and EC P-256 (ES256) keys sign ID tokens here.`);
      if (key.alg !== undefined && key.alg !== alg) throw new FleetConfigError(`${where}: alg must be ${alg} for a ${key.kty} key (got ${String(key.alg)}).`);
      return { ...key, alg } as OidcSigningKey;
    }),
  };
}
