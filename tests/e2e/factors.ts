import { createHash, createHmac, createPrivateKey, sign } from "node:crypto";
import type { CDPSession, Locator, Page } from "@playwright/test";
import { expect, fillCredentials, signedInAs, type TestUser } from "./fixtures";

/**
 * What the specs of issue 26 share (passkeys.spec.ts, two-step.spec.ts, step-up.spec.ts): TOTP codes computed
 * here from the setup key the account page shows (RFC 6238 on node:crypto, not the apps' otplib), Chromium's
 * virtual authenticator over CDP, and the account page's steps.
 */

// ---- Two-step verification codes ----

/** RFC 6238 as every authenticator app: HMAC-SHA1, 30-second steps, 6 digits. */
export const totpPeriodMs = 30_000;

/** The code of `setupKey` (base32, as shown) for the time step of `at` (epoch ms). */
export function totpCode(setupKey: string, at: number = Date.now()): string {
  const step = Math.floor(at / totpPeriodMs);
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", base32Bytes(setupKey)).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  return String(mac.readUInt32BE(offset) & 0x7fffffff).padStart(6, "0").slice(-6);
}

/** A 6-digit code that is none of the codes the server's window (one step either side) could accept now. */
export function wrongTotpCode(setupKey: string): string {
  const near = new Set([-2, -1, 0, 1, 2].map((steps) => totpCode(setupKey, Date.now() + steps * totpPeriodMs)));
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, "0");
    if (!near.has(code)) return code;
  }
}

/**
 * Waits, only when needed, until at least `ms` are left in the current 30-second step: a code the server must
 * judge within this step (the previous step's, accepted only until the next one starts) then reaches it in
 * time on a busy machine. At most `ms` of waiting, and mostly none.
 */
export async function roomInStep(page: Page, ms: number): Promise<void> {
  const left = totpPeriodMs - (Date.now() % totpPeriodMs);
  if (left < ms) await page.waitForTimeout(left + 200);
}

function base32Bytes(text: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const char of text.replace(/[\s=]/g, "").toUpperCase()) {
    const value = alphabet.indexOf(char);
    if (value < 0) throw new Error(`not base32: ${text}`);
    bits += value.toString(2).padStart(5, "0");
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(Number.parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

// ---- Signing in and out ----

// ---- The account page ----

/** The account page's "Sign-in methods" section. */
export const signInMethods = (page: Page) => page.getByRole("region", { name: "Sign-in methods" });
export const stepUpHeading = (page: Page) => page.getByRole("heading", { name: "Confirm it's you" });
/** The passkeys listed on the account page. */
export const passkeyItems = (page: Page) => page.getByRole("list", { name: "Passkeys" }).getByRole("listitem");
/** The sign-in page's heading once the password was right and the code is due. */
export const codeFormHeading = (page: Page) => page.getByRole("heading", { name: "Two-step verification" });

/**
 * Opens the account page ready for sensitive changes: if the sign-in is already older than IRONLINK_FRESH_AGE
 * (the file-store fleet's 20 s can pass on a busy machine before a test gets there), confirms with the password.
 */
export async function openAccountFresh(page: Page, app: string, user: TestUser): Promise<void> {
  await page.goto(`${app}/account`);
  await expect(signInMethods(page)).toBeVisible();
  if (!(await stepUpHeading(page).isVisible())) return;
  await signInMethods(page).getByLabel("Password", { exact: true }).fill(user.password);
  await signInMethods(page).getByRole("button", { name: "Confirm", exact: true }).click();
  await expect(stepUpHeading(page)).toHaveCount(0);
}

/**
 * Turns two-step verification on from the account page (fresh): the setup key as shown, the first code from it,
 * and the ten recovery codes shown once. The first code is the previous step's (the window accepts one step
 * either side), so the current step's code is still unused for the sign-in that follows: no waiting for the
 * next step. Only if under 8 s are left in this step does it wait for the next, so the code arrives in time.
 */
export async function turnOnTwoStep(page: Page): Promise<{ setupKey: string; recoveryCodes: string[] }> {
  const methods = signInMethods(page);
  await methods.getByRole("button", { name: "Turn on two-step verification" }).click();
  await expect(methods.getByRole("img", { name: "QR code" })).toBeVisible();
  await expect(methods.getByText(/^Setup key /)).toBeVisible();
  const setupKey = ((await methods.locator("code.setup-key").textContent()) ?? "").trim();
  expect(setupKey, "the setup key, base32").toMatch(/^[A-Z2-7]{16,}=*$/);
  await roomInStep(page, 8_000);
  await methods.getByLabel("Authentication code").fill(totpCode(setupKey, Date.now() - totpPeriodMs));
  await methods.getByRole("button", { name: "Turn on", exact: true }).click();
  const codes = methods.getByRole("list", { name: "Recovery codes" }).getByRole("listitem");
  await expect(methods.getByRole("status")).toHaveText("Two-step verification is on.");
  await expect(codes, "the recovery codes, shown once as it is turned on").toHaveCount(10);
  await expect(methods.getByText("10 recovery codes left")).toBeVisible();
  const recoveryCodes = (await codes.allTextContents()).map((code) => code.trim());
  for (const code of recoveryCodes) expect(code).toMatch(/^[0-9a-z]{5}-[0-9a-z]{5}$/);
  expect(new Set(recoveryCodes).size).toBe(10);
  return { setupKey, recoveryCodes };
}

/** Signs in with the password on `app`'s /login and waits for the code form (two-step verification is on). */
export async function passwordThenCodeForm(page: Page, app: string, user: TestUser): Promise<void> {
  await page.goto(`${app}/login`);
  await fillCredentials(page, user);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(codeFormHeading(page)).toBeVisible();
  await expect(page.getByRole("button", { name: "Sign in", exact: true })).toHaveCount(0);
}

/** Enters `code` in the sign-in's code form. */
export async function enterCode(page: Page, code: string): Promise<void> {
  await page.getByLabel("Authentication code").fill(code);
  await page.getByRole("button", { name: "Verify" }).click();
}

/** Enters `code` and waits for the home page of `app`, signed in. */
export async function enterCodeAndLand(page: Page, app: string, user: TestUser, code: string): Promise<void> {
  await enterCode(page, code);
  await expect(page).toHaveURL(`${app}/`);
  await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
}

/** The code form's alert (the form stays, waiting for another code). */
export async function expectCodeRefused(page: Page, message: string | RegExp): Promise<void> {
  await expect(page.locator("form").getByRole("alert")).toHaveText(message);
  await expect(codeFormHeading(page)).toBeVisible();
}

// ---- Passkeys: Chromium's virtual authenticator ----

export interface VirtualAuthenticator {
  cdp: CDPSession;
  authenticatorId: string;
  /** The credentials it holds (with their private keys: CDP exports them). */
  credentials(): Promise<VirtualCredential[]>;
}

/** A credential as CDP's WebAuthn domain gives and takes it (binary fields in base64). */
export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

/**
 * A platform authenticator (internal, discoverable credentials, user verification that always succeeds) on
 * `page`'s target: the page's passkey prompts are answered by it, with no dialog.
 */
export async function addVirtualAuthenticator(page: Page): Promise<VirtualAuthenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return {
    cdp,
    authenticatorId,
    credentials: async () => (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials as VirtualCredential[],
  };
}

/** Adds a passkey on the account page (made fresh first if need be) and waits until it is listed. */
export async function addPasskeyOnAccount(page: Page, app: string, user: TestUser): Promise<void> {
  await openAccountFresh(page, app, user);
  const before = await passkeyItems(page).count();
  await signInMethods(page).getByRole("button", { name: "Add a passkey" }).click();
  await expect(signInMethods(page).getByRole("status")).toHaveText("Passkey added.");
  await expect(passkeyItems(page)).toHaveCount(before + 1);
}

/** Clicks "Sign in with a passkey" on the sign-in page the browser is on. */
export async function signInWithPasskey(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
}

/** The passkey button's own message (an alert above it). */
export const passkeyAlert = (page: Page): Locator => page.locator(".passkey-action").getByRole("alert");

// ---- WebAuthn responses, taken apart and signed again (passkeys.spec.ts, the other relying party) ----

/** An assertion as @simplewebauthn/browser sends it: binary fields in base64url. */
export interface AssertionJSON {
  id: string;
  rawId: string;
  type: "public-key";
  response: { authenticatorData: string; clientDataJSON: string; signature: string; userHandle?: string };
}

/**
 * The same assertion with its client data's origin set to `origin` and its authenticator data's RP id hash to
 * that of `rpId` (unless undefined: kept), signed again with the credential's private key (PKCS#8, base64, as
 * CDP exports it): what a client holding the key could send. Ed25519 (what Chromium's virtual authenticator
 * makes when the server lists EdDSA first) or ES256.
 */
export function resignedAssertion(assertion: AssertionJSON, privateKey: string, { origin, rpId }: { origin: string; rpId?: string }): AssertionJSON {
  const clientData = { ...JSON.parse(Buffer.from(assertion.response.clientDataJSON, "base64url").toString("utf8")), origin };
  const clientDataJSON = Buffer.from(JSON.stringify(clientData), "utf8");
  const authenticatorData = Buffer.from(assertion.response.authenticatorData, "base64url");
  if (rpId !== undefined) createHash("sha256").update(rpId).digest().copy(authenticatorData, 0);
  const key = createPrivateKey({ key: Buffer.from(privateKey, "base64"), format: "der", type: "pkcs8" });
  const signed = Buffer.concat([authenticatorData, createHash("sha256").update(clientDataJSON).digest()]);
  // EdDSA (Ed25519) has no separate digest; ES256 signatures are DER, as WebAuthn wants them.
  const signature = key.asymmetricKeyType === "ed25519" ? sign(null, signed, key) : sign("sha256", signed, { key, dsaEncoding: "der" });
  return {
    ...assertion,
    response: { ...assertion.response, authenticatorData: authenticatorData.toString("base64url"), clientDataJSON: clientDataJSON.toString("base64url"), signature: signature.toString("base64url") },
  };
}

/** What the client data of an assertion says (its origin, challenge). */
export function clientDataOf(assertion: AssertionJSON): { type: string; origin: string; challenge: string } {
  return JSON.parse(Buffer.from(assertion.response.clientDataJSON, "base64url").toString("utf8"));
}
