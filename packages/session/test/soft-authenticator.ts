import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
  Uint8Array_,
} from "@simplewebauthn/server";
import { isoBase64URL, isoCBOR } from "@simplewebauthn/server/helpers";

/** Bytes as the library types them (over an ArrayBuffer, never a SharedArrayBuffer). */
type Bytes = Uint8Array_;

/**
 * A software WebAuthn authenticator and the browser around it, for tests: it makes a real P-256 key, answers
 * registration with "none" attestation and signs sign-ins, byte for byte as the spec lays them out, so the
 * library under test checks real signatures (nothing of it is mocked). One authenticator holds one credential.
 */
export interface RegisterOverrides {
  /** The origin the "browser" reports in clientDataJSON (as a page on another origin would). */
  origin?: string;
  /** The RP id whose hash goes into authenticatorData (as a credential made for another site would). */
  rpId?: string;
  /** The challenge signed instead of the options' own (as a stale or replayed answer would). */
  challenge?: string;
}

export interface SignInOverrides extends RegisterOverrides {
  /** The signature counter to report; by default the last one plus one. */
  counter?: number;
  /** Flip a byte of the signature. */
  tamper?: boolean;
  /** The UP flag; true unless said. */
  userPresent?: boolean;
  /** The UV flag; true unless said. */
  userVerified?: boolean;
}

export interface SoftAuthenticator {
  /** A RegistrationResponseJSON answering `options` (from registrationOptions), attestation "none", as a browser would send it. */
  register(options: PublicKeyCredentialCreationOptionsJSON, overrides?: RegisterOverrides): RegistrationResponseJSON;
  /** An AuthenticationResponseJSON for the credential made by register(), with the counter incremented (or `counter` forced). */
  signIn(options: PublicKeyCredentialRequestOptionsJSON, overrides?: SignInOverrides): AuthenticationResponseJSON;
  /** The credential id (base64url) register() made; undefined before. */
  readonly credentialId: string | undefined;
}

interface Credential {
  id: Bytes;
  privateKey: KeyObject;
  publicKey: KeyObject;
  userHandle: string;
  rpId: string;
  counter: number;
}

const flag = { userPresent: 0x01, userVerified: 0x04, attestedCredentialData: 0x40 } as const;

/** COSE: kty EC2, alg ES256, crv P-256. */
const cose = { kty: 1, alg: 3, crv: -1, x: -2, y: -3, ec2: 2, es256: -7, p256: 1 } as const;

export function softAuthenticator(defaults: { rpId?: string; origin?: string } = {}): SoftAuthenticator {
  let credential: Credential | undefined;
  return {
    get credentialId() {
      return credential && isoBase64URL.fromBuffer(credential.id);
    },
    register(options, overrides = {}) {
      credential = makeCredential(options, overrides.rpId ?? defaults.rpId ?? options.rp.id ?? "localhost", credential);
      const origin = overrides.origin ?? defaults.origin ?? `https://${credential.rpId}`;
      return registrationResponse(credential, clientData("webauthn.create", overrides.challenge ?? options.challenge, origin));
    },
    signIn(options, overrides = {}) {
      if (!credential) throw new Error("softAuthenticator: register() first");
      // A credential is scoped to the RP id it was made for: that is the hash it signs.
      const rpId = overrides.rpId ?? credential.rpId;
      const origin = overrides.origin ?? defaults.origin ?? `https://${rpId}`;
      credential.counter = overrides.counter ?? credential.counter + 1;
      return assertion(credential, rpId, clientData("webauthn.get", overrides.challenge ?? options.challenge, origin), overrides);
    },
  };
}

/** A new key pair for `options`, refused as a browser would if the options exclude this authenticator's credential or allow no ES256. */
function makeCredential(options: PublicKeyCredentialCreationOptionsJSON, rpId: string, previous?: Credential): Credential {
  if (!options.pubKeyCredParams.some((param) => param.alg === cose.es256)) throw new Error("NotSupportedError: ES256 not offered");
  const excluded = options.excludeCredentials?.some((descriptor) => previous && descriptor.id === isoBase64URL.fromBuffer(previous.id));
  if (excluded) throw new Error("InvalidStateError: this authenticator already holds an excluded credential");
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { id: new Uint8Array(randomBytes(32)), privateKey, publicKey, userHandle: options.user.id, rpId, counter: 0 };
}

function clientData(type: "webauthn.create" | "webauthn.get", challenge: string, origin: string): Bytes {
  return new TextEncoder().encode(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
}

function sha256(data: Uint8Array | string): Bytes {
  return new Uint8Array(createHash("sha256").update(data).digest());
}

function concat(...parts: Uint8Array[]): Bytes {
  return new Uint8Array(Buffer.concat(parts));
}

/** rpIdHash (32) | flags (1) | signCount (4, big-endian) | attested credential data, if any. */
function authenticatorData(rpId: string, flags: number, counter: number, attested = new Uint8Array()): Bytes {
  const header = new Uint8Array(37);
  header.set(sha256(rpId), 0);
  header[32] = flags;
  new DataView(header.buffer).setUint32(33, counter, false);
  return concat(header, attested);
}

/** AAGUID (16 zero bytes) | credentialIdLength (2, big-endian) | credentialId | COSE public key. */
function attestedCredentialData(credential: Credential): Bytes {
  const length = new Uint8Array(2);
  new DataView(length.buffer).setUint16(0, credential.id.length, false);
  return concat(new Uint8Array(16), length, credential.id, coseKey(credential.publicKey));
}

/** The EC2 COSE key, integer labels in CTAP2's canonical order. */
function coseKey(publicKey: KeyObject): Bytes {
  const jwk = publicKey.export({ format: "jwk" });
  if (!jwk.x || !jwk.y) throw new Error("softAuthenticator: the P-256 key has no x or y");
  const key = new Map<number, number | Uint8Array>([
    [cose.kty, cose.ec2],
    [cose.alg, cose.es256],
    [cose.crv, cose.p256],
    [cose.x, isoBase64URL.toBuffer(jwk.x)],
    [cose.y, isoBase64URL.toBuffer(jwk.y)],
  ]);
  return isoCBOR.encode(key);
}

function registrationResponse(credential: Credential, clientDataJSON: Bytes): RegistrationResponseJSON {
  const flags = flag.userPresent | flag.userVerified | flag.attestedCredentialData;
  const authData = authenticatorData(credential.rpId, flags, credential.counter, attestedCredentialData(credential));
  const attestationObject = isoCBOR.encode(
    new Map<string, string | Uint8Array | Map<string, never>>([
      ["fmt", "none"],
      ["attStmt", new Map<string, never>()],
      ["authData", authData],
    ]),
  );
  const id = isoBase64URL.fromBuffer(credential.id);
  const spki = new Uint8Array(credential.publicKey.export({ format: "der", type: "spki" }));
  return {
    id,
    rawId: id,
    type: "public-key",
    response: {
      clientDataJSON: isoBase64URL.fromBuffer(clientDataJSON),
      attestationObject: isoBase64URL.fromBuffer(attestationObject),
      authenticatorData: isoBase64URL.fromBuffer(authData),
      transports: ["hybrid", "internal"],
      publicKeyAlgorithm: cose.es256,
      publicKey: isoBase64URL.fromBuffer(spki),
    },
    authenticatorAttachment: "platform",
    clientExtensionResults: { credProps: { rk: true } },
  };
}

/** ECDSA-SHA256 over authenticatorData | SHA-256(clientDataJSON); node signs in DER, the form WebAuthn wants. */
function assertion(credential: Credential, rpId: string, clientDataJSON: Bytes, overrides: SignInOverrides): AuthenticationResponseJSON {
  const flags = (overrides.userPresent === false ? 0 : flag.userPresent) | (overrides.userVerified === false ? 0 : flag.userVerified);
  const authData = authenticatorData(rpId, flags, credential.counter);
  const signature = new Uint8Array(sign("sha256", concat(authData, sha256(clientDataJSON)), credential.privateKey));
  // The last byte is inside s: the DER still parses, the signature no longer holds.
  if (overrides.tamper) signature[signature.length - 1] = (signature[signature.length - 1] ?? 0) ^ 0x01;
  const id = isoBase64URL.fromBuffer(credential.id);
  return {
    id,
    rawId: id,
    type: "public-key",
    response: {
      clientDataJSON: isoBase64URL.fromBuffer(clientDataJSON),
      authenticatorData: isoBase64URL.fromBuffer(authData),
      signature: isoBase64URL.fromBuffer(signature),
      userHandle: credential.userHandle,
    },
    authenticatorAttachment: "platform",
    clientExtensionResults: {},
  };
}
