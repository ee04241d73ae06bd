import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  type Uint8Array_,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import { isoBase64URL } from "@simplewebauthn/server/helpers";
import { factorLimits, type RelyingParty, type StoredPasskey } from "./types";

/**
 * Passkeys (WebAuthn) over @simplewebauthn/server: the library does the protocol; this file chooses the policy
 * (discoverable credentials, no attestation, one exact origin) and turns every failure into a refusal the flows
 * can answer with, so a bad response from a browser is never an exception.
 */
export type PasskeyRefusal = "malformed" | "challenge_mismatch" | "wrong_origin" | "wrong_rp" | "bad_signature" | "counter_went_back" | "not_verified";

/** EdDSA, ES256, RS256: what platform authenticators and security keys make, in the library's order of preference. */
const algorithms = [-8, -7, -257];

const transports: readonly AuthenticatorTransportFuture[] = ["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"];

/** WebAuthn §7.1: relying parties should refuse longer credential ids. */
const credentialIdBytesMax = 1023;

/** Options for navigator.credentials.create (JSON for @simplewebauthn/browser's startRegistration) and the challenge to keep. */
export async function registrationOptions(
  rp: RelyingParty,
  user: { username: string; userHandle: string },
  existing: StoredPasskey[],
): Promise<{ options: PublicKeyCredentialCreationOptionsJSON; challenge: string }> {
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.username,
    userDisplayName: user.username,
    userID: userHandleBytes(user.userHandle),
    timeout: factorLimits.challengeMs,
    attestationType: "none",
    // The same authenticator twice would be one key under two names: the browser skips the ones listed.
    excludeCredentials: existing.map((passkey) => ({ id: passkey.id, transports: knownTransports(passkey.transports) })),
    // Discoverable, so sign-in needs no username; verification is recorded (userVerified), not demanded.
    authenticatorSelection: { residentKey: "required", userVerification: "preferred" },
    supportedAlgorithmIDs: algorithms,
  });
  return { options, challenge: options.challenge };
}

/** The user handle's bytes; a handle that is not 1 to 64 bytes of base64url is the caller's mistake, not the browser's. */
function userHandleBytes(userHandle: string): Uint8Array_ {
  const bytes = isoBase64URL.isBase64URL(userHandle) ? isoBase64URL.toBuffer(userHandle) : new Uint8Array();
  if (bytes.length < 1 || bytes.length > 64) throw new Error("A WebAuthn user handle is 1 to 64 bytes, base64url");
  return bytes;
}

/** The passkey a registration response makes, ready to store; never throws (a bad response is a refusal). */
export async function verifyNewPasskey(
  rp: RelyingParty,
  input: { response: unknown; expectedChallenge: string; name: string; now?: number },
): Promise<{ ok: true; passkey: StoredPasskey } | { ok: false; reason: PasskeyRefusal }> {
  try {
    const response = registrationResponse(input.response);
    if (!response) return { ok: false, reason: "malformed" };
    const result = await verifyRegistrationResponse({
      response,
      expectedChallenge: input.expectedChallenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: false,
      supportedAlgorithmIDs: algorithms,
    });
    if (!result.verified) return { ok: false, reason: "bad_signature" };
    const { credential } = result.registrationInfo;
    if (isoBase64URL.toBuffer(credential.id).length > credentialIdBytesMax) return { ok: false, reason: "malformed" };
    const passkey: StoredPasskey = {
      id: credential.id,
      publicKey: isoBase64URL.fromBuffer(credential.publicKey),
      counter: credential.counter,
      name: passkeyName(input.name),
      createdAt: input.now ?? Date.now(),
    };
    const known = knownTransports(response.response.transports);
    if (known) passkey.transports = known;
    return { ok: true, passkey };
  } catch (error) {
    return { ok: false, reason: refusalFor(error) };
  }
}

/** For discoverable sign-in: no allowCredentials, so no username is needed. */
export async function authenticationOptions(rp: RelyingParty): Promise<{ options: PublicKeyCredentialRequestOptionsJSON; challenge: string }> {
  const options = await generateAuthenticationOptions({ rpID: rp.id, userVerification: "preferred", timeout: factorLimits.challengeMs });
  return { options, challenge: options.challenge };
}

/** The credential id (base64url) a sign-in response names, to look the passkey up; undefined for anything malformed. */
export function credentialIdOf(response: unknown): string | undefined {
  return authenticationResponse(response)?.id;
}

/** Checks a sign-in with `passkey` (looked up by credentialIdOf); on success the caller stores `counter`. Never throws. */
export async function verifyPasskeySignIn(
  rp: RelyingParty,
  input: { response: unknown; expectedChallenge: string; passkey: StoredPasskey },
): Promise<{ ok: true; counter: number; userVerified: boolean } | { ok: false; reason: PasskeyRefusal }> {
  try {
    const response = authenticationResponse(input.response);
    if (!response) return { ok: false, reason: "malformed" };
    // The library checks the signature with the key it is given, whatever id the response names.
    if (response.id !== input.passkey.id) return { ok: false, reason: "not_verified" };
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: input.expectedChallenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: {
        id: input.passkey.id,
        publicKey: isoBase64URL.toBuffer(input.passkey.publicKey),
        counter: input.passkey.counter,
      },
      requireUserVerification: false,
    });
    if (!result.verified) return { ok: false, reason: "bad_signature" };
    return { ok: true, counter: result.authenticationInfo.newCounter, userVerified: result.authenticationInfo.userVerified };
  } catch (error) {
    return { ok: false, reason: refusalFor(error) };
  }
}

/** What the person calls the passkey, made safe to show: one line, no control characters, at most passkeyNameMax characters. */
export function passkeyName(name: unknown): string {
  if (typeof name !== "string") return "Passkey";
  // Bidi overrides too: they would let a name display as something it is not.
  const oneLine = name.replace(/[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu, " ").replace(/\s+/gu, " ").trim();
  // Counted in code points, so an emoji is never cut in half.
  const capped = Array.from(oneLine).slice(0, factorLimits.passkeyNameMax).join("").trim();
  return capped || "Passkey";
}

function knownTransports(values: readonly string[] | undefined): AuthenticatorTransportFuture[] | undefined {
  const known = values?.filter((value): value is AuthenticatorTransportFuture => transports.includes(value as AuthenticatorTransportFuture));
  return known?.length ? known : undefined;
}

/** The library's messages (v13 throws plain Errors, without codes) and the refusal each stands for. */
const refusalsByMessage: [RegExp, PasskeyRefusal][] = [
  [/^Unexpected (registration|authentication) response challenge|^Custom challenge verifier returned false/, "challenge_mismatch"],
  [/^Unexpected (registration|authentication) response origin/, "wrong_origin"],
  [/^Unexpected RP ID hash/, "wrong_rp"],
  [/^Response counter value .* was lower than expected/, "counter_went_back"],
  [/^User (presence was required|not present|verification)|^Unexpected (registration|authentication) response type|^Unexpected public key alg/, "not_verified"],
  [/attestation statement/i, "not_verified"],
];

/** Anything the library throws that says nothing more (bad base64, CBOR, JSON, lengths) is a response it could not read. */
function refusalFor(error: unknown): PasskeyRefusal {
  if (!(error instanceof Error)) return "malformed";
  if (error.name === "UnexpectedRPIDHash") return "wrong_rp";
  return refusalsByMessage.find(([pattern]) => pattern.test(error.message))?.[1] ?? "malformed";
}

type Fields = Record<string, unknown>;

function isFields(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isBase64URL(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && isoBase64URL.isBase64URL(value);
}

/** Cycles, BigInts and throwing getters are nothing a browser sends: over the limit all the same. */
function withinByteLimit(value: unknown): boolean {
  try {
    const json = JSON.stringify(value);
    return json !== undefined && Buffer.byteLength(json) <= factorLimits.responseBytesMax;
  } catch {
    return false;
  }
}

/** The fields both ceremonies' responses carry, checked before the library reads them (it assumes their types). */
function credentialFields(response: unknown): { id: string; fields: Fields } | undefined {
  if (!isFields(response) || !withinByteLimit(response)) return undefined;
  const { id, rawId, type, response: fields } = response;
  if (!isBase64URL(id) || rawId !== id || type !== "public-key" || !isFields(fields)) return undefined;
  if (!isBase64URL(fields.clientDataJSON)) return undefined;
  return { id, fields };
}

/** A registration response as the library reads it, rebuilt from the checked fields only; undefined if any is off. */
function registrationResponse(value: unknown): RegistrationResponseJSON | undefined {
  const credential = credentialFields(value);
  if (!credential) return undefined;
  const { clientDataJSON, attestationObject, transports: sent } = credential.fields;
  if (!isBase64URL(attestationObject)) return undefined;
  if (sent !== undefined && !(Array.isArray(sent) && sent.every((transport) => typeof transport === "string"))) return undefined;
  return {
    id: credential.id,
    rawId: credential.id,
    type: "public-key",
    response: { clientDataJSON: clientDataJSON as string, attestationObject, transports: sent as AuthenticatorTransportFuture[] | undefined },
    clientExtensionResults: {},
  };
}

/** A sign-in response as the library reads it, rebuilt from the checked fields only; undefined if any is off. */
function authenticationResponse(value: unknown): AuthenticationResponseJSON | undefined {
  const credential = credentialFields(value);
  if (!credential) return undefined;
  const { clientDataJSON, authenticatorData, signature, userHandle } = credential.fields;
  if (!isBase64URL(authenticatorData) || !isBase64URL(signature)) return undefined;
  if (userHandle !== undefined && userHandle !== null && typeof userHandle !== "string") return undefined;
  return {
    id: credential.id,
    rawId: credential.id,
    type: "public-key",
    response: { clientDataJSON: clientDataJSON as string, authenticatorData, signature, userHandle: userHandle ?? undefined },
    clientExtensionResults: {},
  };
}
