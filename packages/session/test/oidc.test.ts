import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import * as client from "openid-client";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { createFleet, type Fleet, FleetConfigError, readFleetConfig } from "../src/fleet/index";
import { createOidcProvider, type OidcProvider } from "../src/oidc";
import { sessionInfo } from "../src/session";
import { MemoryCookieStore, password, topology } from "./helpers";

/**
 * The fleet's OpenID Provider, driven by a relying party nobody here wrote (openid-client v6) and checked
 * with jose: real HTTP on local ports, the fleet's real store (this run's Redis, and the file store). The
 * browser's part (following redirects with its cookies) is a small fetch loop: the Playwright specs drive a
 * real one, with the Django app.
 */
const secret = randomBytes(32).toString("base64url");

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** A relying party's back-channel endpoint: every logout token it is sent. */
function backChannel() {
  const tokens: string[] = [];
  let down = false;
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      if (down) return void res.writeHead(503).end();
      tokens.push(new URLSearchParams(body).get("logout_token") ?? "");
      res.writeHead(200).end();
    });
  });
  return { server, tokens, setDown: (value: boolean) => (down = value) };
}

async function waitFor<T>(read: () => T | undefined, ms = 3_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// COOKIE_SECURE on plain http, as a production build on http://127.0.0.1 has it: the provider's cookies must still be set.
const stores = [
  { kind: "redis", secure: "true", store: () => ({ kind: "redis" as const, redis: inject("redisConnection") }) },
  { kind: "file", secure: "false", store: (dir: string) => ({ kind: "file" as const, dir }) },
] as const;

// The file store's half does not depend on the run's Redis topology: once, in the single server's run.
describe.each(topology === "single" ? stores : stores.slice(0, 1))("the OpenID Provider on the $kind store (COOKIE_SECURE=$secure)", ({ store, secure }) => {
  const rp = backChannel();
  const providerServer = createServer();
  let issuer: string;
  let redirectUri: string;
  let fleet: Fleet;
  let provider: OidcProvider;
  let rpConfig: client.Configuration;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ironlink-oidc-"));
    issuer = `http://127.0.0.1:${await listen(providerServer)}`;
    const rpOrigin = `http://127.0.0.1:${await listen(rp.server)}`;
    redirectUri = `${rpOrigin}/cb`;
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const jwks = { keys: [{ ...privateKey.export({ format: "jwk" }), kid: "k1", alg: "RS256" }] };
    const clients = [
      { client_id: "rp", client_secret: secret, redirect_uris: [redirectUri], post_logout_redirect_uris: [`${rpOrigin}/`], backchannel_logout_uri: `${rpOrigin}/bcl`, backchannel_logout_session_required: true, grant_types: ["authorization_code", "refresh_token"] },
      { client_id: "spa", token_endpoint_auth_method: "none", redirect_uris: [redirectUri] },
    ];
    const env = { COOKIE_SECURE: secure, SESSION_PASSWORD: password, APP_ORIGINS: issuer, LOGIN_URL: issuer, IRONLINK_OIDC_CLIENTS: JSON.stringify(clients), IRONLINK_OIDC_JWKS: JSON.stringify(jwks) };
    // Sessions idle out after 5 s: the timeout's back-channel test waits for one; every other test is done sooner.
    fleet = createFleet({ appName: "oidc test", config: { ...readFleetConfig(env), store: store(dir), idleTimeout: 5 } });
    provider = await createOidcProvider(fleet);
    providerServer.on("request", (req, res) => (provider.handles(new URL(req.url ?? "/", issuer).pathname) ? provider.handle(req, res) : res.writeHead(404).end()));
    rpConfig = await client.discovery(new URL(issuer), "rp", secret, undefined, { execute: [client.allowInsecureRequests] });
  });

  afterAll(async () => {
    await provider.close();
    await fleet.close();
    providerServer.close();
    rp.server.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A fleet session for `username`, as the sign-in page makes one: its cookie and public id. */
  async function signIn(username = "alice", amr?: string[]) {
    const jar = new MemoryCookieStore();
    const session = await fleet.sessions.getSession(jar);
    Object.assign(session, { user: { id: `id-${username}`, username }, signedInAt: Date.now(), signedInOn: "test", userAgent: "test", ...(amr ? { amr } : {}) });
    await session.save();
    return { cookie: `${fleet.config.cookieName}=${jar.written(fleet.config.cookieName)}`, publicId: sessionInfo(session).publicId! };
  }

  /** A browser with `cookie` following the provider's redirects: where it lands outside the provider. */
  async function browse(url: string, cookie: string): Promise<{ location: URL; response: Response }> {
    const cookies = new Map(cookie.split("; ").map((pair) => [pair.slice(0, pair.indexOf("=")), pair]));
    let next = new URL(url);
    for (let hop = 0; hop < 10; hop++) {
      const response = await fetch(next, { redirect: "manual", headers: { cookie: [...cookies.values()].join("; ") } });
      for (const set of response.headers.getSetCookie()) cookies.set(set.slice(0, set.indexOf("=")), set.split(";")[0]!);
      const location = response.headers.get("location");
      if (!location) return { location: next, response };
      next = new URL(location, next);
      if (next.origin !== issuer || next.pathname === "/login") return { location: next, response };
    }
    throw new Error("too many redirects");
  }

  async function authorize(cookie: string, extra: Record<string, string> = {}) {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(rpConfig, { redirect_uri: redirectUri, scope: "openid profile", code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: "S256", state, ...extra });
    const { location } = await browse(url.href, cookie);
    return { location, verifier, state };
  }

  async function signInToRp(cookie: string) {
    const { location, verifier, state } = await authorize(cookie);
    return client.authorizationCodeGrant(rpConfig, location, { pkceCodeVerifier: verifier, expectedState: state });
  }

  test("discovery names the issuer, its endpoints, code flow only, S256, and never alg none", async () => {
    const meta = rpConfig.serverMetadata();
    expect(meta.issuer).toBe(issuer);
    expect(meta.authorization_endpoint).toBe(`${issuer}/oidc/auth`);
    expect([meta.token_endpoint, meta.userinfo_endpoint, meta.jwks_uri, meta.end_session_endpoint, meta.revocation_endpoint, meta.introspection_endpoint].every(Boolean)).toBe(true);
    expect(meta.response_types_supported).toEqual(["code"]);
    expect(meta.code_challenge_methods_supported).toEqual(["S256"]);
    expect(meta.id_token_signing_alg_values_supported).not.toContain("none");
    expect(meta.backchannel_logout_supported).toBe(true);
  });

  test("a signed-in browser gets its code with no prompt; the tokens say who, how and which session", async () => {
    const { cookie } = await signIn("alice");
    const tokens = await signInToRp(cookie);
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ iss: issuer, aud: "rp", sub: "id-alice", preferred_username: "alice", amr: ["pwd"] });
    expect(typeof claims.sid).toBe("string");
    expect(typeof claims.auth_time).toBe("number");
    expect(decodeProtectedHeader(tokens.id_token!).alg).toBe("RS256");
    const info = await client.fetchUserInfo(rpConfig, tokens.access_token, "id-alice");
    expect(info.preferred_username).toBe("alice");
    const refreshed = await client.refreshTokenGrant(rpConfig, tokens.refresh_token!);
    expect(refreshed.access_token).toBeTruthy();
  });

  test("amr says how the fleet session signed in: a password and a code, or a passkey", async () => {
    for (const amr of [["pwd", "otp", "mfa"], ["hwk", "mfa"]]) {
      const { cookie } = await signIn(`amr-${amr[0]}`, amr);
      expect((await signInToRp(cookie)).claims()!.amr).toEqual(amr);
    }
  });

  test("a browser not signed in goes to the fleet's sign-in page, which returns to the interaction", async () => {
    const { location } = await authorize("");
    expect(location.pathname).toBe("/login");
    expect(location.searchParams.get("next")).toMatch(/^\/oidc\/interaction\/[\w-]+$/);
  });

  test("another person in the fleet session means another sub, not the provider's earlier one", async () => {
    const alice = await signIn("alice");
    const first = await signInToRp(alice.cookie);
    const bob = await signIn("bob");
    // The provider's own session cookie from alice's sign-in travels along; the fleet session decides.
    const { location, verifier, state } = await authorize(bob.cookie);
    const second = await client.authorizationCodeGrant(rpConfig, location, { pkceCodeVerifier: verifier, expectedState: state });
    expect([first.claims()?.sub, second.claims()?.sub]).toEqual(["id-alice", "id-bob"]);
  });

  test("the end of the fleet session sends a logout token at once and ends refresh, userinfo and introspection", async () => {
    const { cookie, publicId } = await signIn("carol");
    const tokens = await signInToRp(cookie);
    const before = rp.tokens.length;
    const started = Date.now();
    await fleet.sessions.revokeSession(publicId);
    const logoutToken = await waitFor(() => rp.tokens.slice(before).find((token) => decodeJwt(token).sid === tokens.claims()?.sid));
    expect(Date.now() - started).toBeLessThan(1_500);
    const { payload } = await jwtVerify(logoutToken, createRemoteJWKSet(new URL(rpConfig.serverMetadata().jwks_uri!)), { issuer, audience: "rp" });
    expect(payload).toMatchObject({ sub: "id-carol", sid: tokens.claims()?.sid, events: { "http://schemas.openid.net/event/backchannel-logout": {} } });
    expect(payload.nonce).toBeUndefined();
    await expect(client.refreshTokenGrant(rpConfig, tokens.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
    await expect(client.fetchUserInfo(rpConfig, tokens.access_token, "id-carol")).rejects.toThrow();
    expect((await client.tokenIntrospection(rpConfig, tokens.access_token)).active).toBe(false);
  });

  test("a fleet session that times out reaches the client by back-channel too", async () => {
    const { cookie } = await signIn("dave");
    const tokens = await signInToRp(cookie);
    const before = rp.tokens.length;
    const sid = tokens.claims()?.sid;
    // Nobody ends this session: it idles out after 5 s, and its logout token comes within a second or so.
    const logoutToken = await waitFor(() => rp.tokens.slice(before).find((token) => decodeJwt(token).sid === sid), 8_000);
    await jwtVerify(logoutToken, createRemoteJWKSet(new URL(rpConfig.serverMetadata().jwks_uri!)), { issuer, audience: "rp" });
    await expect(client.refreshTokenGrant(rpConfig, tokens.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
  });

  test("a client that is down gets its logout token when it comes back", async () => {
    const { cookie, publicId } = await signIn("erin");
    const sid = (await signInToRp(cookie)).claims()?.sid;
    const delivered = () => rp.tokens.find((token) => decodeJwt(token).sid === sid);
    rp.setDown(true);
    await fleet.sessions.revokeSession(publicId);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(delivered()).toBeUndefined();
    rp.setDown(false);
    await waitFor(delivered, 5_000);
  });

  test("RP-initiated logout: the confirmation page, then only a registered post_logout_redirect_uri", async () => {
    const { cookie } = await signIn("frank");
    const tokens = await signInToRp(cookie);
    const good = client.buildEndSessionUrl(rpConfig, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: `${new URL(redirectUri).origin}/` });
    const page = await browse(good.href, cookie);
    expect(page.response.status).toBe(200);
    expect(await page.response.text()).toContain('name="logout" value="yes"');
    const bad = client.buildEndSessionUrl(rpConfig, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: "https://evil.example/" });
    const refused = await fetch(bad, { redirect: "manual" });
    expect([refused.status, refused.headers.get("location")]).toEqual([400, null]);
  });

  describe("refusals, each a clear OAuth error", () => {
    test("an unknown client or an unregistered redirect_uri: an error page, never a redirect", async () => {
      const { cookie } = await signIn();
      for (const params of [{ client_id: "nobody" }, { redirect_uri: "https://evil.example/cb" }] as Record<string, string>[]) {
        const url = client.buildAuthorizationUrl(rpConfig, { redirect_uri: redirectUri, scope: "openid", ...params });
        const response = await fetch(url, { redirect: "manual", headers: { cookie } });
        expect(response.status).toBe(400);
        expect(response.headers.get("location")).toBeNull();
        expect(await response.text()).toContain("Sign-in could not continue");
      }
    });

    test("a code used twice: invalid_grant, and what it issued is revoked", async () => {
      const { cookie } = await signIn();
      const { location, verifier, state } = await authorize(cookie);
      const tokens = await client.authorizationCodeGrant(rpConfig, location, { pkceCodeVerifier: verifier, expectedState: state });
      await expect(client.authorizationCodeGrant(rpConfig, location, { pkceCodeVerifier: verifier, expectedState: state })).rejects.toMatchObject({ error: "invalid_grant" });
      expect((await client.tokenIntrospection(rpConfig, tokens.access_token)).active).toBe(false);
    });

    test("a missing or wrong PKCE verifier, an expired code, a wrong client secret", async () => {
      const { cookie } = await signIn();
      const code = async () => (await authorize(cookie)).location.searchParams.get("code")!;
      const exchange = async (body: Record<string, string>, auth = `rp:${secret}`) => {
        const response = await fetch(`${issuer}/oidc/token`, {
          method: "POST",
          headers: { authorization: `Basic ${Buffer.from(auth).toString("base64")}`, "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ grant_type: "authorization_code", redirect_uri: redirectUri, ...body }),
        });
        return [response.status, ((await response.json()) as { error: string }).error];
      };
      expect(await exchange({ code: await code() })).toEqual([400, "invalid_grant"]);
      expect(await exchange({ code: await code(), code_verifier: client.randomPKCECodeVerifier() })).toEqual([400, "invalid_grant"]);
      expect(await exchange({ code: "no-such-code-or-one-past-its-minute", code_verifier: client.randomPKCECodeVerifier() })).toEqual([400, "invalid_grant"]);
      expect(await exchange({ code: await code() }, "rp:wrong-secret")).toEqual([401, "invalid_client"]);
    });

    test("a public client without PKCE is sent back with invalid_request", async () => {
      const { cookie } = await signIn();
      const url = new URL(`${issuer}/oidc/auth`);
      url.search = new URLSearchParams({ client_id: "spa", redirect_uri: redirectUri, response_type: "code", scope: "openid" }).toString();
      const { location } = await browse(url.href, cookie);
      expect(location.searchParams.get("error")).toBe("invalid_request");
    });
  });
});

describe("the provider's start", () => {
  test("a client oidc-provider refuses stops it, naming the entry (alg none among them)", async () => {
    const env = {
      SESSION_PASSWORD: password,
      SESSION_STORE: "file",
      SESSION_FILE_PATH: tmpdir(),
      IRONLINK_OIDC_CLIENTS: JSON.stringify([{ client_id: "weird", client_secret: secret, redirect_uris: ["http://127.0.0.1:1/cb"], id_token_signed_response_alg: "none" }]),
    };
    const fleet = createFleet({ env });
    await expect(createOidcProvider(fleet)).rejects.toThrow(FleetConfigError);
    await expect(createOidcProvider(fleet)).rejects.toThrow(/entry 1 \("weird"\): .*id_token_signed_response_alg/);
    await fleet.close();
  });
});
