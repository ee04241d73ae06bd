import { randomBytes } from "node:crypto";
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { type AccountFailure, type AccountResult, type AnySession, type Flow, type Input, refusal, revokedMeanwhile, type SignInContext, signedOut, startSession, tooManyAttempts, withTemporaryFailures } from "../flow";
import { messages } from "../messages";
import type { User } from "../users";
import { authenticationOptions, credentialIdOf, registrationOptions, verifyNewPasskey, verifyPasskeySignIn } from "./passkeys";
import { awaitSecondStep } from "./second-step";
import { type CeremonyPurpose, stateOf } from "./session-state";
import { combineMethods } from "./sign-in-methods";
import { freshUser, markFresh } from "./step-up";
import { factorLimits, type StoredPasskey } from "./types";

/**
 * The passkey ceremonies (passkeys.ts checks the responses with SimpleWebAuthn): the options for the browser,
 * whose challenge this browser's session keeps, and the answer, accepted once and only within
 * factorLimits.challengeMs. Sign-in needs no username (discoverable credentials); adding or removing a passkey
 * is a sensitive change (step-up.ts); "confirm" is a step-up's proof.
 */

export type PasskeyOptions = PublicKeyCredentialCreationOptionsJSON | PublicKeyCredentialRequestOptionsJSON;

/** The browser's options for a ceremony, its challenge kept in the session. "add" needs a fresh signed-in session, "confirm" a signed-in one. */
export function passkeyOptions(flow: Flow, session: AnySession, purpose: CeremonyPurpose): Promise<{ ok: true; options: PasskeyOptions } | AccountFailure> {
  return withTemporaryFailures(async () => {
    let made: { options: PasskeyOptions; challenge: string } | AccountFailure;
    if (purpose === "add") made = await addOptions(flow, session);
    else if (purpose === "confirm" && !session.user) made = signedOut();
    else made = await authenticationOptions(flow.rp);
    if ("ok" in made) return made;
    stateOf(session).passkeyChallenge = { challenge: made.challenge, purpose, until: Date.now() + factorLimits.challengeMs };
    await session.save();
    return { ok: true as const, options: made.options };
  });
}

/** Registration options for the fresh signed-in person: their passkeys excluded, one user handle for all of them. */
async function addOptions(flow: Flow, session: AnySession): Promise<{ options: PasskeyOptions; challenge: string } | AccountFailure> {
  const user = freshUser(flow, session);
  if ("ok" in user) return user;
  const fresh = randomBytes(32).toString("base64url");
  const factors = await flow.factors.update(user.id, (current) => (current.userHandle ? undefined : { ...current, userHandle: fresh }));
  if (factors.passkeys.length >= factorLimits.passkeysPerUser) return refusal(409, "too_many_passkeys", messages.tooManyPasskeys(factorLimits.passkeysPerUser));
  return registrationOptions(flow.rp, { username: user.username, userHandle: factors.userHandle ?? fresh }, factors.passkeys);
}

/** The challenge of this browser's ceremony for `purpose`, taken: a second answer to it finds none. */
async function takeChallenge(flow: Flow, session: AnySession, purpose: CeremonyPurpose): Promise<string | undefined> {
  const state = stateOf(session);
  const kept = state.passkeyChallenge;
  if (!kept) return undefined;
  delete state.passkeyChallenge;
  await session.save();
  const live = kept.purpose === purpose && kept.until > Date.now();
  return live && (await flow.takeOnce(`webauthn:${kept.challenge}`, factorLimits.challengeMs)) ? kept.challenge : undefined;
}

/** The passkey a sign-in response names, with its owner; undefined for one nobody registered. */
async function passkeyOf(flow: Flow, response: unknown): Promise<{ user: User; passkey: StoredPasskey } | undefined> {
  const id = credentialIdOf(response);
  const owner = id && (await flow.factors.credentialOwner(id));
  const user = owner ? await flow.users.find(owner) : undefined;
  const passkey = user && (await flow.factors.read(user.id)).passkeys.find((candidate) => candidate.id === id);
  return user && passkey ? { user, passkey } : undefined;
}

/** Checks the answer against the passkey and records its new counter and use. */
async function verifyUse(flow: Flow, found: { user: User; passkey: StoredPasskey }, response: unknown, expectedChallenge: string) {
  const verified = await verifyPasskeySignIn(flow.rp, { response, expectedChallenge, passkey: found.passkey });
  if (!verified.ok) return verified;
  const used = { counter: verified.counter, lastUsedAt: Date.now() };
  await flow.factors.update(found.user.id, (current) => ({ ...current, passkeys: current.passkeys.map((kept) => (kept.id === found.passkey.id ? { ...kept, ...used } : kept)) }));
  return verified;
}

/** Signs in with a passkey: no username, no password. Counted against the owner's sign-in budgets like a password. */
export function signInWithPasskey(flow: Flow, session: AnySession, input: Input, context: SignInContext): Promise<AccountResult> {
  return withTemporaryFailures(async () => {
    const challenge = await takeChallenge(flow, session, "sign-in");
    if (!challenge) return refusal(400, "challenge_expired", messages.passkeyChallengeExpired);
    const found = await passkeyOf(flow, input.response);
    if (!found) {
      const limited = await flow.limiter.unknownPasskey(context.address);
      return limited.limited ? tooManyAttempts(limited.retryAfterSeconds) : refusal(401, "passkey_unknown", messages.passkeyUnknown);
    }
    const limit = await flow.limiter.attempt(found.user.username, context.address);
    if (limit.limited) return tooManyAttempts(limit.retryAfterSeconds);
    const ticket = await flow.sessions.signInTicket();
    const verified = await verifyUse(flow, found, input.response, challenge);
    if (!verified.ok) return refusal(401, "passkey_refused", messages.passkeyRefused, { error: `passkey_${verified.reason}` });
    // A passkey that did not verify its user (no PIN, no fingerprint) is one factor: with two-step on, its code comes next.
    if (!verified.userVerified && (await flow.factors.read(found.user.id)).totp) return awaitSecondStep(session, found.user, ticket, context, "hwk");
    await flow.limiter.succeeded(found.user.username, context.address);
    if (!(await startSession(flow, session, found.user, context, { ticket, amr: combineMethods(["hwk"], verified) }))) return revokedMeanwhile();
    return { ok: true, user: found.user };
  });
}

/** A step-up's proof by one of the signed-in person's own passkeys. */
export function confirmWithPasskey(flow: Flow, session: AnySession, input: Input): Promise<AccountResult> {
  return withTemporaryFailures(async () => {
    const user = session.user;
    const challenge = user && (await takeChallenge(flow, session, "confirm"));
    if (!user || !challenge) return refusal(400, "challenge_expired", messages.passkeyChallengeExpired);
    const found = await passkeyOf(flow, input.response);
    if (found?.user.id !== user.id) return refusal(401, "passkey_unknown", messages.passkeyUnknown);
    const verified = await verifyUse(flow, found, input.response, challenge);
    if (!verified.ok) return refusal(401, "passkey_refused", messages.passkeyRefused, { error: `passkey_${verified.reason}` });
    await markFresh(session, "hwk", verified.userVerified);
    return { ok: true, user };
  });
}

/** Registers the answer to an "add" ceremony as a new passkey of the fresh signed-in person. */
export function addPasskey(flow: Flow, session: AnySession, input: Input): Promise<AccountResult> {
  return withTemporaryFailures(async () => {
    const user = freshUser(flow, session);
    if ("ok" in user) return user;
    const challenge = await takeChallenge(flow, session, "add");
    if (!challenge) return refusal(400, "challenge_expired", messages.passkeyChallengeExpired);
    const made = await verifyNewPasskey(flow.rp, { response: input.response, expectedChallenge: challenge, name: typeof input.name === "string" ? input.name : "" });
    if (!made.ok) return refusal(400, "passkey_refused", messages.passkeyRefused, { error: `passkey_${made.reason}` });
    if (!(await flow.factors.claimCredential(made.passkey.id, user.id))) return refusal(409, "passkey_taken", messages.passkeyRefused);
    let added = false;
    // `added` is set by each run of the change (it runs again when another change won the race): the last run's says.
    await flow.factors.update(user.id, (current) => {
      added = current.passkeys.length < factorLimits.passkeysPerUser;
      return added ? { ...current, passkeys: [...current.passkeys, made.passkey] } : undefined;
    });
    if (added) return { ok: true, user };
    await flow.factors.releaseCredential(made.passkey.id, user.id);
    return refusal(409, "too_many_passkeys", messages.tooManyPasskeys(factorLimits.passkeysPerUser));
  });
}

/**
 * Removes one of the fresh signed-in person's passkeys (by its id): it no longer signs anyone in. A passwordless
 * person's last passkey stays: it is their only way in.
 */
export function removePasskey(flow: Flow, session: AnySession, input: Input): Promise<AccountResult> {
  return withTemporaryFailures(async () => {
    const user = freshUser(flow, session);
    if ("ok" in user) return user;
    const id = typeof input.id === "string" ? input.id : "";
    const passwordless = !(await flow.users.hasPassword(user.id));
    // Set by each run of the change (it runs again when another change won the race): the last run's says.
    const seen: { passkey?: StoredPasskey; wasLast?: boolean } = {};
    await flow.factors.update(user.id, (current) => {
      seen.passkey = current.passkeys.find((kept) => kept.id === id);
      seen.wasLast = current.passkeys.length === 1;
      return seen.passkey && !(seen.wasLast && passwordless) ? { ...current, passkeys: current.passkeys.filter((kept) => kept.id !== id) } : undefined;
    });
    if (!seen.passkey) return refusal(404, "passkey_not_found", messages.passkeyNotFound);
    if (seen.wasLast && passwordless) return refusal(409, "last_sign_in_method", messages.lastSignInMethod);
    // Checked again once it is gone: a password removed meanwhile would leave no way in. removePassword checks the
    // passkeys after its removal likewise, so of the two done at once, at least one sees the other and is undone.
    if (seen.wasLast && !(await flow.users.hasPassword(user.id))) {
      await restorePasskey(flow, user.id, seen.passkey);
      return refusal(409, "last_sign_in_method", messages.lastSignInMethod);
    }
    await flow.factors.releaseCredential(id, user.id);
    return { ok: true, user };
  });
}

/** Undoes a passkey's removal (its credential was not released yet, so the index still names its owner). */
async function restorePasskey(flow: Flow, userId: string, passkey: StoredPasskey): Promise<void> {
  await flow.factors.update(userId, (current) => (current.passkeys.some((kept) => kept.id === passkey.id) ? undefined : { ...current, passkeys: [...current.passkeys, passkey] }));
}
