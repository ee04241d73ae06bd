import { isoBase64URL } from "@simplewebauthn/server/helpers";
import { describe, expect, test } from "vitest";
import {
  authenticationOptions,
  credentialIdOf,
  passkeyName,
  registrationOptions,
  verifyNewPasskey,
  verifyPasskeySignIn,
} from "../src/fleet/accounts/factors/passkeys";
import { factorLimits, type RelyingParty, type StoredPasskey } from "../src/fleet/accounts/factors/types";
import { type SoftAuthenticator, softAuthenticator } from "./soft-authenticator";

/**
 * The passkey glue (factors/passkeys.ts) against @simplewebauthn/server, with real signed responses from a
 * software authenticator: every refusal a browser's answer can earn, and none of them thrown.
 *
 * A challenge that is not the expected one stands for an expired or reused one too: the flow layer keeps each
 * challenge single use and for factorLimits.challengeMs, so by the time a stale answer gets here it is checked
 * against a different challenge (or none).
 */
const rp: RelyingParty = { id: "localhost", name: "Ironlink", origin: "http://localhost:5000" };
const user = { username: "ada", userHandle: isoBase64URL.fromBuffer(new Uint8Array(32).fill(7)) };
const now = 1_700_000_000_000;

async function register(authenticator: SoftAuthenticator, name = "MacBook", relyingParty = rp): Promise<StoredPasskey> {
  const { options, challenge } = await registrationOptions(relyingParty, user, []);
  const result = await verifyNewPasskey(relyingParty, { response: authenticator.register(options), expectedChallenge: challenge, name, now });
  if (!result.ok) throw new Error(`registration refused: ${result.reason}`);
  return result.passkey;
}

async function signIn(authenticator: SoftAuthenticator, passkey: StoredPasskey, overrides: Parameters<SoftAuthenticator["signIn"]>[1] = {}) {
  const { options, challenge } = await authenticationOptions(rp);
  return verifyPasskeySignIn(rp, { response: authenticator.signIn(options, overrides), expectedChallenge: challenge, passkey });
}

describe("registration options", () => {
  test("ask for a discoverable passkey, no attestation, the RP's name and id, and the user handle's bytes as user.id", async () => {
    const { options, challenge } = await registrationOptions(rp, user, []);
    expect(options.challenge).toBe(challenge);
    expect(options.rp).toEqual({ id: "localhost", name: "Ironlink" });
    expect(options.user.name).toBe("ada");
    expect(options.user.id).toBe(user.userHandle);
    expect(isoBase64URL.toBuffer(options.user.id)).toEqual(new Uint8Array(32).fill(7));
    expect(options.authenticatorSelection).toMatchObject({ residentKey: "required", requireResidentKey: true, userVerification: "preferred" });
    expect(options.attestation).toBe("none");
    expect(options.pubKeyCredParams.map((param) => param.alg)).toEqual([-8, -7, -257]);
    expect(options.excludeCredentials).toEqual([]);
  });

  test("exclude the person's existing passkeys, with their transports, so one authenticator is not registered twice", async () => {
    const authenticator = softAuthenticator({ origin: rp.origin });
    const first = await register(authenticator);
    const other: StoredPasskey = { id: "b3RoZXI", publicKey: "AA", counter: 0, name: "YubiKey", createdAt: now };
    const { options } = await registrationOptions(rp, user, [first, other]);
    expect(options.excludeCredentials).toEqual([
      { id: first.id, type: "public-key", transports: ["hybrid", "internal"] },
      { id: "b3RoZXI", type: "public-key", transports: undefined },
    ]);
    // What the browser does with the list: the authenticator holding an excluded credential refuses.
    expect(() => authenticator.register(options)).toThrow(/InvalidStateError/);
  });

  test("a user handle that is not 1 to 64 bytes of base64url is a programming error", async () => {
    await expect(registrationOptions(rp, { username: "ada", userHandle: "" }, [])).rejects.toThrow(/user handle/);
    await expect(registrationOptions(rp, { username: "ada", userHandle: "not base64url!" }, [])).rejects.toThrow(/user handle/);
  });
});

describe("a new passkey", () => {
  test("verifies and is stored as base64url id and COSE key, counter, transports, name and time", async () => {
    const authenticator = softAuthenticator({ origin: rp.origin });
    const passkey = await register(authenticator, "  MacBook  ");
    expect(passkey).toEqual({
      id: authenticator.credentialId,
      publicKey: expect.any(String),
      counter: 0,
      transports: ["hybrid", "internal"],
      name: "MacBook",
      createdAt: now,
    });
    expect(isoBase64URL.isBase64URL(passkey.publicKey)).toBe(true);
    // COSE EC2 key: a CBOR map of five entries (0xa5) beginning with kty (1) = EC2 (2).
    expect([...isoBase64URL.toBuffer(passkey.publicKey).subarray(0, 3)]).toEqual([0xa5, 0x01, 0x02]);
  });

  test("createdAt is the clock's when no time is given", async () => {
    const authenticator = softAuthenticator({ origin: rp.origin });
    const { options, challenge } = await registrationOptions(rp, user, []);
    const before = Date.now();
    const result = await verifyNewPasskey(rp, { response: authenticator.register(options), expectedChallenge: challenge, name: "x" });
    expect(result.ok && result.passkey.createdAt).toBeGreaterThanOrEqual(before);
  });

  test.each([
    ["another port", "http://localhost:7000"],
    ["https instead of http", "https://localhost:5000"],
    ["another host", "http://evil.test:5000"],
  ])("made on %s: wrong_origin", async (_, origin) => {
    const { options, challenge } = await registrationOptions(rp, user, []);
    const response = softAuthenticator({ origin }).register(options);
    expect(await verifyNewPasskey(rp, { response, expectedChallenge: challenge, name: "x" })).toEqual({ ok: false, reason: "wrong_origin" });
  });

  test("made for another RP id: wrong_rp", async () => {
    const { options, challenge } = await registrationOptions(rp, user, []);
    const response = softAuthenticator({ rpId: "evil.test", origin: rp.origin }).register(options);
    expect(await verifyNewPasskey(rp, { response, expectedChallenge: challenge, name: "x" })).toEqual({ ok: false, reason: "wrong_rp" });
  });

  test("answering another challenge (expired or reused: see the note at the top): challenge_mismatch", async () => {
    const earlier = await registrationOptions(rp, user, []);
    const { challenge } = await registrationOptions(rp, user, []);
    const response = softAuthenticator({ origin: rp.origin }).register(earlier.options);
    expect(await verifyNewPasskey(rp, { response, expectedChallenge: challenge, name: "x" })).toEqual({ ok: false, reason: "challenge_mismatch" });
  });

  test("a sign-in's clientDataJSON in a registration (type webauthn.get): refused", async () => {
    const authenticator = softAuthenticator({ origin: rp.origin });
    await register(authenticator);
    const { options, challenge } = await registrationOptions(rp, user, []);
    const registration = softAuthenticator({ origin: rp.origin }).register(options);
    const assertion = authenticator.signIn({ challenge });
    const response = { ...registration, response: { ...registration.response, clientDataJSON: assertion.response.clientDataJSON } };
    expect(await verifyNewPasskey(rp, { response, expectedChallenge: challenge, name: "x" })).toEqual({ ok: false, reason: "not_verified" });
  });
});

describe("passkey names", () => {
  test.each([
    ["  MacBook   Pro ", "MacBook Pro"],
    ["Work\nYubiKey\t5", "Work YubiKey 5"],
    ["Nul\u0000and\u007fdel", "Nul and del"],
    ["\u202eyekibuY", "yekibuY"],
    ["", "Passkey"],
    [" \n\t ", "Passkey"],
    ["\u0007\u0008", "Passkey"],
  ])("%j is stored as %j", (given, stored) => {
    expect(passkeyName(given)).toBe(stored);
  });

  test("capped at passkeyNameMax characters, never cutting an emoji in half", () => {
    expect(passkeyName("k".repeat(200))).toBe("k".repeat(factorLimits.passkeyNameMax));
    const emoji = passkeyName("🔑".repeat(100));
    expect(Array.from(emoji)).toHaveLength(factorLimits.passkeyNameMax);
    expect(emoji).toBe("🔑".repeat(factorLimits.passkeyNameMax));
  });

  test("a registration stores the normalised name", async () => {
    const passkey = await register(softAuthenticator({ origin: rp.origin }), `\t${"Phone ".repeat(30)}`);
    expect(passkey.name).toBe("Phone ".repeat(11).slice(0, factorLimits.passkeyNameMax).trim());
    expect(passkey.name.length).toBeLessThanOrEqual(factorLimits.passkeyNameMax);
  });
});

describe("authentication options", () => {
  test("name no credentials (discoverable sign-in), our RP id, and the challenge to keep", async () => {
    const { options, challenge } = await authenticationOptions(rp);
    expect(options.challenge).toBe(challenge);
    expect(options.rpId).toBe("localhost");
    expect(options.userVerification).toBe("preferred");
    expect(options.allowCredentials).toBeUndefined();
    expect(JSON.stringify(options)).not.toContain("allowCredentials");
    expect((await authenticationOptions(rp)).challenge).not.toBe(challenge);
  });
});

describe("signing in with a passkey", () => {
  test("verifies, returning the new counter and whether the user was verified; the response names the credential", async () => {
    const authenticator = softAuthenticator({ origin: rp.origin });
    const passkey = await register(authenticator);
    const { options, challenge } = await authenticationOptions(rp);
    const response = authenticator.signIn(options);
    expect(credentialIdOf(response)).toBe(passkey.id);
    expect(response.response.userHandle).toBe(user.userHandle);
    expect(await verifyPasskeySignIn(rp, { response, expectedChallenge: challenge, passkey })).toEqual({ ok: true, counter: 1, userVerified: true });
    expect(await signIn(authenticator, { ...passkey, counter: 1 })).toEqual({ ok: true, counter: 2, userVerified: true });
  });

  test("without user verification: accepted, and recorded as not verified", async () => {
    const authenticator = softAuthenticator({ origin: rp.origin });
    const passkey = await register(authenticator);
    expect(await signIn(authenticator, passkey, { userVerified: false })).toEqual({ ok: true, counter: 1, userVerified: false });
  });

  test("an authenticator that keeps no counter (always 0) is accepted", async () => {
    const authenticator = softAuthenticator({ origin: rp.origin });
    const passkey = await register(authenticator);
    expect(await signIn(authenticator, passkey, { counter: 0 })).toEqual({ ok: true, counter: 0, userVerified: true });
  });

  test.each([
    ["another port", "http://localhost:7000"],
    ["https instead of http", "https://localhost:5000"],
  ])("from %s: wrong_origin", async (_, origin) => {
    const authenticator = softAuthenticator({ origin: rp.origin });
    const passkey = await register(authenticator);
    expect(await signIn(authenticator, passkey, { origin })).toEqual({ ok: false, reason: "wrong_origin" });
  });

  test("a credential made for another RP id (evil.test) used against ours: wrong_rp", async () => {
    const authenticator = softAuthenticator({ rpId: "evil.test", origin: rp.origin });
    const passkey = await register(authenticator, "x", { ...rp, id: "evil.test" });
    expect(await signIn(authenticator, passkey)).toEqual({ ok: false, reason: "wrong_rp" });
  });

  test("a signature that does not hold: bad_signature", async () => {
    const authenticator = softAuthenticator({ origin: rp.origin });
    const passkey = await register(authenticator);
    expect(await signIn(authenticator, passkey, { tamper: true })).toEqual({ ok: false, reason: "bad_signature" });
  });

  test("authenticator data changed after signing (the UV flag set): bad_signature", async () => {
    const authenticator = softAuthenticator({ origin: rp.origin });
    const passkey = await register(authenticator);
    const { options, challenge } = await authenticationOptions(rp);
    const response = authenticator.signIn(options, { userVerified: false });
    const authData = isoBase64URL.toBuffer(response.response.authenticatorData);
    authData[32] = (authData[32] ?? 0) | 0x04;
    const forged = { ...response, response: { ...response.response, authenticatorData: isoBase64URL.fromBuffer(authData) } };
    expect(await verifyPasskeySignIn(rp, { response: forged, expectedChallenge: challenge, passkey })).toEqual({ ok: false, reason: "bad_signature" });
  });

  test("another passkey's key for this credential id: bad_signature", async () => {
    const authenticator = softAuthenticator({ origin: rp.origin });
    const passkey = await register(authenticator);
    const other = await register(softAuthenticator({ origin: rp.origin }));
    expect(await signIn(authenticator, { ...passkey, publicKey: other.publicKey })).toEqual({ ok: false, reason: "bad_signature" });
  });

  test("a response naming another credential than the passkey looked up: not_verified", async () => {
    const authenticator = softAuthenticator({ origin: rp.origin });
    await register(authenticator);
    const other = await register(softAuthenticator({ origin: rp.origin }));
    expect(await signIn(authenticator, other)).toEqual({ ok: false, reason: "not_verified" });
  });

  test.each([
    ["lower than", 3],
    ["equal to", 5],
  ])("a counter %s the stored one (5): counter_went_back", async (_, counter) => {
    const authenticator = softAuthenticator({ origin: rp.origin });
    const passkey = await register(authenticator);
    expect(await signIn(authenticator, { ...passkey, counter: 5 }, { counter })).toEqual({ ok: false, reason: "counter_went_back" });
  });

  test("answering another challenge (expired or reused: see the note at the top): challenge_mismatch", async () => {
    const authenticator = softAuthenticator({ origin: rp.origin });
    const passkey = await register(authenticator);
    const earlier = await authenticationOptions(rp);
    expect(await signIn(authenticator, passkey, { challenge: earlier.challenge })).toEqual({ ok: false, reason: "challenge_mismatch" });
  });

  test("the user not present: not_verified", async () => {
    const authenticator = softAuthenticator({ origin: rp.origin });
    const passkey = await register(authenticator);
    expect(await signIn(authenticator, passkey, { userPresent: false })).toEqual({ ok: false, reason: "not_verified" });
  });

  test("a registration's response given to sign-in: malformed", async () => {
    const authenticator = softAuthenticator({ origin: rp.origin });
    const { options, challenge } = await registrationOptions(rp, user, []);
    const response = authenticator.register(options);
    const passkey = await register(softAuthenticator({ origin: rp.origin }));
    expect(credentialIdOf(response)).toBeUndefined();
    expect(await verifyPasskeySignIn(rp, { response, expectedChallenge: challenge, passkey })).toEqual({ ok: false, reason: "malformed" });
  });
});

describe("malformed responses are refused, never thrown", () => {
  const b64 = (text: string) => isoBase64URL.fromUTF8String(text);
  const credential = (response: unknown) => ({ id: "aWQ", rawId: "aWQ", type: "public-key", response });
  const cyclic: Record<string, unknown> = { id: "aWQ", rawId: "aWQ", type: "public-key" };
  cyclic.response = cyclic;
  const shapes: [string, unknown][] = [
    ["null", null],
    ["undefined", undefined],
    ["a string", "a string"],
    ["a number", 42],
    ["an array", []],
    ["an empty object", {}],
    ["ids of the wrong type", { id: 1, rawId: 1, type: "public-key", response: {} }],
    ["id and rawId differing", { ...credential({ clientDataJSON: b64("{}") }), rawId: "aWR" }],
    ["a type other than public-key", { ...credential({ clientDataJSON: b64("{}") }), type: "password" }],
    ["no response", credential(undefined)],
    ["response fields of the wrong type", credential({ clientDataJSON: 1, attestationObject: [], authenticatorData: 2, signature: {} })],
    ["fields that are not base64url", credential({ clientDataJSON: "@@", attestationObject: "@@", authenticatorData: "@@", signature: "@@" })],
    ["a cycle", cyclic],
    ["a BigInt", credential({ clientDataJSON: 1n })],
  ];

  test.each(shapes)("%s", async (_, response) => {
    const passkey = await register(softAuthenticator({ origin: rp.origin }));
    expect(credentialIdOf(response)).toBeUndefined();
    const { challenge } = await authenticationOptions(rp);
    expect(await verifyNewPasskey(rp, { response, expectedChallenge: challenge, name: "x" })).toEqual({ ok: false, reason: "malformed" });
    expect(await verifyPasskeySignIn(rp, { response, expectedChallenge: challenge, passkey })).toEqual({ ok: false, reason: "malformed" });
  });

  test("the right shape with garbage inside: the id is read (for the look-up), the rest refused as malformed", async () => {
    const passkey = await register(softAuthenticator({ origin: rp.origin }));
    const garbage = { clientDataJSON: b64("no json"), attestationObject: "AAAA", authenticatorData: "AAAA", signature: "AAAA" };
    const response = { id: passkey.id, rawId: passkey.id, type: "public-key", response: garbage };
    expect(credentialIdOf(response)).toBe(passkey.id);
    const { challenge } = await authenticationOptions(rp);
    expect(await verifyNewPasskey(rp, { response, expectedChallenge: challenge, name: "x" })).toEqual({ ok: false, reason: "malformed" });
    expect(await verifyPasskeySignIn(rp, { response, expectedChallenge: challenge, passkey })).toEqual({ ok: false, reason: "malformed" });
  });

  test("valid clientDataJSON over a garbage attestation or authenticator data: malformed", async () => {
    const authenticator = softAuthenticator({ origin: rp.origin });
    const registration = await registrationOptions(rp, user, []);
    const made = authenticator.register(registration.options);
    const badAttestation = { ...made, response: { ...made.response, attestationObject: "AAAA" } };
    const refused = await verifyNewPasskey(rp, { response: badAttestation, expectedChallenge: registration.challenge, name: "x" });
    expect(refused).toEqual({ ok: false, reason: "malformed" });
    const passkey = await register(authenticator);
    const { options, challenge } = await authenticationOptions(rp);
    const signed = authenticator.signIn(options);
    const badAuthData = { ...signed, response: { ...signed.response, authenticatorData: "AAAA" } };
    expect(await verifyPasskeySignIn(rp, { response: badAuthData, expectedChallenge: challenge, passkey })).toEqual({ ok: false, reason: "malformed" });
  });

  test("a response over responseBytesMax is refused before it is read; the same response under it verifies", async () => {
    const authenticator = softAuthenticator({ origin: rp.origin });
    const passkey = await register(authenticator);
    const { options, challenge } = await authenticationOptions(rp);
    const response = authenticator.signIn(options);
    const padded = { ...response, clientExtensionResults: { padding: "x".repeat(factorLimits.responseBytesMax) } };
    expect(credentialIdOf(padded)).toBeUndefined();
    expect(await verifyPasskeySignIn(rp, { response: padded, expectedChallenge: challenge, passkey })).toEqual({ ok: false, reason: "malformed" });
    expect(await verifyPasskeySignIn(rp, { response, expectedChallenge: challenge, passkey })).toMatchObject({ ok: true });

    const registration = await registrationOptions(rp, user, []);
    const made = softAuthenticator({ origin: rp.origin }).register(registration.options);
    const large = { ...made, clientExtensionResults: { padding: "x".repeat(factorLimits.responseBytesMax) } };
    expect(await verifyNewPasskey(rp, { response: large, expectedChallenge: registration.challenge, name: "x" })).toEqual({ ok: false, reason: "malformed" });
  });
});
