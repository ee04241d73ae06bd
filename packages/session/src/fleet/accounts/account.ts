import type { Cluster, Redis } from "ioredis";
import type { SessionManager } from "../../manager";
import { normalizePasswords } from "../../options";
import { regenerateSession, sessionInfo } from "../../session";
import type { FleetConfig } from "../config";
import type { FleetSessionData } from "../fleet";
import { recordSealer, sealingPurposes } from "../sealing";
import { FactorStore } from "./factors/factor-store";
import { addPasskey, confirmWithPasskey, type PasskeyOptions, passkeyOptions, removePasskey, signInWithPasskey } from "./factors/passkey-flows";
import { awaitSecondStep, verifySignInCode } from "./factors/second-step";
import type { CeremonyPurpose } from "./factors/session-state";
import { pendingSignIn } from "./factors/session-state";
import { isFresh } from "./factors/sign-in-methods";
import { confirmIdentity, freshUser } from "./factors/step-up";
import { confirmTwoStep, renewRecoveryCodes, startTwoStep, turnOffTwoStep } from "./factors/two-step";
import {
  type AccountFailure,
  type AccountPolicy,
  type AccountResult,
  type AnySession,
  type Flow,
  type Input,
  invalid,
  refusal,
  revokedMeanwhile,
  type SignInContext,
  signedOut,
  startSession,
  tooManyAttempts,
  verifyAttempt,
  withTemporaryFailures,
} from "./flow";
import { messages } from "./messages";
import { SignInRateLimiter } from "./rate-limit";
import { accountStorage } from "./storage";
import { UserStore } from "./users";
import { checkCredentials, checkFirstPassword, checkNewPassword, newPasswordHint } from "./validation";

export type { AccountPolicy, AccountResult, SignInContext } from "./flow";

function signIn(flow: Flow, session: AnySession, input: Input, context: SignInContext): Promise<AccountResult> {
  return withTemporaryFailures(async () => {
    const check = await checkCredentials(input, false);
    if (!check.ok) return invalid(check.errors);
    const { username, password } = check.credentials;
    // Counted before the password is checked, so concurrent guesses cannot all slip under the limit.
    const limit = await flow.limiter.attempt(username, context.address);
    if (limit.limited) return tooManyAttempts(limit.retryAfterSeconds);
    // The sign-in guard (manager.ts, docs/security.md): taken before the password is checked.
    const ticket = await flow.sessions.signInTicket();
    const user = await verifyAttempt(flow, username, password, () => flow.limiter.notChecked(username, context.address), { address: context.address });
    if (!user) return refusal(401, "invalid_credentials", messages.wrongCredentials);
    // With two-step verification on, the password's attempt stays counted until its code is right.
    if (!flow.policy.verifyCredentials && (await flow.factors.read(user.id)).totp) return awaitSecondStep(session, user, ticket, context);
    await flow.limiter.succeeded(username, context.address);
    if (!(await startSession(flow, session, user, context, { ticket, amr: ["pwd"] }))) return revokedMeanwhile();
    return { ok: true, user };
  });
}

function register(flow: Flow, session: AnySession, input: Input, context: SignInContext): Promise<AccountResult> {
  return withTemporaryFailures(async () => {
    if (!flow.policy.registration) return refusal(404, "registration_closed", messages.registrationClosed);
    const check = await checkCredentials(input, true);
    if (!check.ok) return invalid(check.errors);
    const limit = await flow.limiter.attemptRegistration(context.address);
    if (limit.limited) return tooManyAttempts(limit.retryAfterSeconds);
    // The password is hashed before the name is looked up, so a taken name costs as much as a free one.
    const created = await flow.users.create(check.credentials.username, check.credentials.password, { address: context.address });
    if (!created.ok) {
      return refusal(409, "username_taken", messages.usernameTaken, { fieldErrors: { username: messages.usernameTaken } });
    }
    await startSession(flow, session, created.user, context, { amr: ["pwd"] });
    return { ok: true, user: created.user };
  });
}

/** Ends the session in Redis, so every app sees the user signed out on its next request. */
async function signOut(session: AnySession): Promise<void> {
  await session.destroy();
}

/** Ends every session of the user, this one included. */
async function signOutEverywhere(flow: Flow, session: AnySession): Promise<void> {
  if (session.user) await flow.sessions.revokeUserSessions(session.user.id);
  await session.destroy();
}

/** Ends one of the user's other sessions; only ones the user owns. */
async function revokeOwnSession(flow: Flow, session: AnySession, publicId: unknown): Promise<boolean> {
  if (!session.user || typeof publicId !== "string" || publicId === sessionInfo(session).publicId) return false;
  return flow.sessions.revokeSession(publicId, { userId: session.user.id });
}

/**
 * Changes the password after checking the current one, then gives this session a new id and ends every
 * other session of the user: whoever knew the old password is out everywhere. A passwordless person has no
 * current password to give: for them it sets one (setFirstPassword).
 */
function changePassword(flow: Flow, session: AnySession, input: Input, context: SignInContext): Promise<AccountResult<{ firstPassword: boolean }>> {
  return withTemporaryFailures(async () => {
    const user = session.user;
    if (!user) return signedOut();
    if (flow.policy.verifyCredentials) return refusal(404, "password_change_unavailable", messages.passwordChangeElsewhere);
    if (!(await flow.users.hasPassword(user.id))) return setFirstPassword(flow, session, input, context);
    const check = await checkNewPassword(input, user.username);
    if (!check.ok) return invalid(check.errors);
    // Counted per session: strangers guessing at the username never block its signed-in owner.
    const publicId = sessionInfo(session).publicId ?? "";
    const limit = await flow.limiter.attemptPasswordChange(publicId);
    if (limit.limited) return tooManyAttempts(limit.retryAfterSeconds);
    // Queued as this session, like its limit: sign-ins at the name never hold the owner's change up.
    const turn = { address: context.address, as: `change:${publicId}` };
    if (!(await verifyAttempt(flow, user.id, check.currentPassword, () => flow.limiter.passwordChangeNotChecked(publicId), turn))) {
      return refusal(400, "wrong_password", messages.wrongCurrentPassword, { fieldErrors: { currentPassword: messages.wrongCurrentPassword } });
    }
    await flow.limiter.passwordChangeSucceeded(publicId);
    await flow.users.changePassword(user.id, check.newPassword, turn);
    // The current password is a proof of its own: the session is fresh again (step-up.ts).
    const data = { ...session, authenticatedAt: Date.now() };
    await regenerateSession(session);
    Object.assign(session, data);
    await session.save();
    // After the new hash is stored, never before: the revocation counts itself first, and a sign-in that
    // checked the old hash took its ticket before that count, so it cannot outlive this (manager.ts, signInGuard).
    await flow.sessions.revokeUserSessions(user.id, { except: sessionInfo(session).publicId });
    return { ok: true, user, firstPassword: false };
  });
}

/**
 * A passwordless person's first password. No current password stands in for them, so the session must be
 * fresh (step-up.ts) instead; nobody knew a password before, so no other session has to go, and setting one
 * proves nothing (the session is no fresher for it).
 */
async function setFirstPassword(flow: Flow, session: AnySession, input: Input, context: SignInContext): Promise<AccountResult<{ firstPassword: boolean }>> {
  const user = freshUser(flow, session);
  if ("ok" in user) return user;
  const check = await checkFirstPassword(input, user.username);
  if (!check.ok) return invalid(check.errors);
  const publicId = sessionInfo(session).publicId ?? "";
  await flow.users.changePassword(user.id, check.newPassword, { address: context.address, as: `change:${publicId}` });
  return { ok: true, user, firstPassword: true };
}

/**
 * Makes the fresh signed-in person passwordless, if a passkey signs them in, and ends their other sessions:
 * whoever knew the old password is out everywhere, as after a password change. A password sign-in then fails
 * like a wrong password (users/user-store.ts, verify).
 */
function removePassword(flow: Flow, session: AnySession): Promise<AccountResult> {
  return withTemporaryFailures(async () => {
    const user = freshUser(flow, session);
    if ("ok" in user) return user;
    if (!(await hasPasskey(flow, user.id))) return refusal(409, "passkey_needed", messages.passkeyNeeded);
    const removal = await flow.users.removePassword(user.id);
    if (!removal) return { ok: true, user }; // passwordless already: nothing changed
    // Checked again once the hash is gone: a last passkey removed meanwhile would leave no way in. removePasskey
    // checks the password after its removal likewise, so of the two done at once, at least one sees the other and is undone.
    if (!(await hasPasskey(flow, user.id))) {
      await removal.undo();
      return refusal(409, "passkey_needed", messages.passkeyNeeded);
    }
    // After the hash is gone, as in changePassword: a sign-in that checked the old hash cannot outlive this.
    await flow.sessions.revokeUserSessions(user.id, { except: sessionInfo(session).publicId });
    return { ok: true, user };
  });
}

async function hasPasskey(flow: Flow, userId: string): Promise<boolean> {
  return (await flow.factors.read(userId)).passkeys.length > 0;
}

/** The account flows of a fleet, over its session manager and the account stores beside its sessions. */
export interface Accounts {
  /**
   * Checks the password (the built-in users, or `policy.verifyCredentials`) within the sign-in budgets, and starts a new session; with
   * two-step verification on, answers "second_factor_required" and waits for `twoStep.verifySignInCode` instead.
   */
  signIn(session: AnySession, input: Input, context: SignInContext, policy: AccountPolicy): Promise<AccountResult>;
  /** Creates a built-in user (when `policy.registration`) and signs them in. */
  register(session: AnySession, input: Input, context: SignInContext, policy: AccountPolicy): Promise<AccountResult>;
  /**
   * Changes a built-in user's password (`currentPassword`, `newPassword`), gives this session a new id and ends the user's
   * other sessions. For a passwordless person it sets a first password (`newPassword` only, a fresh session needed;
   * `firstPassword` true).
   */
  changePassword(session: AnySession, input: Input, context: SignInContext, policy: AccountPolicy): Promise<AccountResult<{ firstPassword: boolean }>>;
  /**
   * Makes the fresh signed-in person passwordless (409 "passkey_needed" without a passkey) and ends their other
   * sessions; changePassword sets a password again.
   */
  removePassword(session: AnySession): Promise<AccountResult>;
  /** Ends this session in the store, or (`everywhere`) every session of its user: every app sees it at once. */
  signOut(session: AnySession, options?: { everywhere?: boolean }): Promise<void>;
  /** Ends one of the user's other sessions (by its publicId); only one they own. */
  endSession(session: AnySession, publicId: unknown): Promise<boolean>;
  /** Passkeys (factors/passkey-flows.ts): a ceremony's options, then its answer. */
  passkeys: {
    options(session: AnySession, purpose: CeremonyPurpose): Promise<{ ok: true; options: PasskeyOptions } | AccountFailure>;
    signIn(session: AnySession, input: Input, context: SignInContext, policy: AccountPolicy): Promise<AccountResult>;
    add(session: AnySession, input: Input): Promise<AccountResult>;
    remove(session: AnySession, input: Input): Promise<AccountResult>;
  };
  /** Two-step verification (factors/two-step.ts, second-step.ts). */
  twoStep: {
    /** The pending sign-in's code (`code`: the app's, or a recovery code). */
    verifySignInCode(session: AnySession, input: Input, context: SignInContext, policy: AccountPolicy): Promise<AccountResult>;
    /** Whether this browser's sign-in waits for its code. */
    isPending(session: AnySession): boolean;
    start(session: AnySession, issuer: string): Promise<AccountResult<{ setupKey: string; uri: string }>>;
    confirm(session: AnySession, input: Input): Promise<AccountResult<{ recoveryCodes: string[] }>>;
    turnOff(session: AnySession): Promise<AccountResult>;
    renewRecoveryCodes(session: AnySession): Promise<AccountResult<{ recoveryCodes: string[] }>>;
  };
  /** Step-up (factors/step-up.ts): whether sensitive changes may go ahead, and a new proof (`password`, `code`, or a passkey's `response`). */
  stepUp: {
    isFresh(session: AnySession): boolean;
    confirm(session: AnySession, input: Input, context: SignInContext, policy: AccountPolicy): Promise<AccountResult>;
  };
  /** What the account page lists of a person's factors. */
  signInMethods(userId: string): Promise<SignInMethods>;
  /** The password rules, to show under a new-password field before the first try. */
  newPasswordHint: string;
  /** Outside production, the demo account of IRONLINK_DEMO_USER and IRONLINK_DEMO_PASSWORD (the first app creates it). */
  seedDemoAccount(): Promise<void>;
}

/** A person's passkeys (never their keys), whether they have a password, and whether two-step verification is on. */
export interface SignInMethods {
  passkeys: { id: string; name: string; createdAt: number; lastUsedAt?: number }[];
  /** False for a passwordless person, who signs in with passkeys only. */
  hasPassword: boolean;
  twoStep: boolean;
  recoveryCodesLeft: number;
}

export function createAccounts(config: FleetConfig, sessions: () => SessionManager<FleetSessionData>, redis: Redis | Cluster | undefined): Accounts {
  let stores: Omit<Flow, "sessions" | "policy"> | undefined;
  // Made on first use: an app that never signs anyone in opens no account store.
  const flow = (policy: AccountPolicy): Flow => {
    stores ??= flowTools(config, redis);
    return { ...stores, sessions: sessions(), policy };
  };
  const noPolicy: AccountPolicy = { registration: false };
  return {
    signIn: (session, input, context, policy) => signIn(flow(policy), session, input, context),
    register: (session, input, context, policy) => register(flow(policy), session, input, context),
    changePassword: (session, input, context, policy) => changePassword(flow(policy), session, input, context),
    removePassword: (session) => removePassword(flow(noPolicy), session),
    signOut: (session, { everywhere = false } = {}) => (everywhere ? signOutEverywhere(flow(noPolicy), session) : signOut(session)),
    endSession: (session, publicId) => revokeOwnSession(flow(noPolicy), session, publicId),
    passkeys: {
      options: (session, purpose) => passkeyOptions(flow(noPolicy), session, purpose),
      signIn: (session, input, context, policy) => signInWithPasskey(flow(policy), session, input, context),
      add: (session, input) => addPasskey(flow(noPolicy), session, input),
      remove: (session, input) => removePasskey(flow(noPolicy), session, input),
    },
    twoStep: {
      verifySignInCode: (session, input, context, policy) => verifySignInCode(flow(policy), session, input, context),
      isPending: (session) => pendingSignIn(session) !== undefined,
      start: (session, issuer) => startTwoStep(flow(noPolicy), session, issuer),
      confirm: (session, input) => confirmTwoStep(flow(noPolicy), session, input),
      turnOff: (session) => turnOffTwoStep(flow(noPolicy), session),
      renewRecoveryCodes: (session) => renewRecoveryCodes(flow(noPolicy), session),
    },
    stepUp: {
      isFresh: (session) => isFresh((session as { authenticatedAt?: unknown }).authenticatedAt, config.freshAge * 1000),
      confirm: (session, input, context, policy) =>
        input.response === undefined ? confirmIdentity(flow(policy), session, input, context) : confirmWithPasskey(flow(policy), session, input),
    },
    signInMethods: (userId) => signInMethodsOf(flow(noPolicy), userId),
    newPasswordHint,
    seedDemoAccount: () => seedDemoAccount(config, flow(noPolicy).users),
  };
}

/** The stores and keys every flow shares, made once. */
function flowTools(config: FleetConfig, redis: Redis | Cluster | undefined): Omit<Flow, "sessions" | "policy"> {
  const { users, attempts, factors } = accountStorage(config.store, redis);
  const loginUrl = new URL(config.loginUrl);
  return {
    users: new UserStore(users),
    limiter: new SignInRateLimiter(attempts, config.rateLimit),
    factors: new FactorStore(factors),
    takeOnce: async (key, ms) => (await attempts.increment(`once:${key}`, ms)).count === 1,
    sealer: recordSealer(normalizePasswords(config.password), sealingPurposes.factors),
    rp: { id: loginUrl.hostname, name: config.fleetName, origin: loginUrl.origin },
    freshAgeMs: config.freshAge * 1000,
  };
}

async function signInMethodsOf(flow: Flow, userId: string): Promise<SignInMethods> {
  const [{ passkeys, totp, recoveryCodes }, hasPassword] = await Promise.all([flow.factors.read(userId), flow.users.hasPassword(userId)]);
  return {
    passkeys: passkeys.map(({ id, name, createdAt, lastUsedAt }) => ({ id, name, createdAt, ...(lastUsedAt ? { lastUsedAt } : {}) })),
    hasPassword,
    twoStep: totp !== undefined,
    recoveryCodesLeft: recoveryCodes?.length ?? 0,
  };
}

/**
 * Development only: `npm run dev` passes IRONLINK_DEMO_USER and IRONLINK_DEMO_PASSWORD and prints them, so
 * a fresh checkout has an account to sign in with. Every app tries; the store lets only the first create it.
 */
async function seedDemoAccount({ demoAccount }: FleetConfig, users: UserStore): Promise<void> {
  if (!demoAccount) return;
  try {
    await users.create(demoAccount.username, demoAccount.password);
  } catch (error) {
    console.error(`ironlink: could not create the demo account (${error instanceof Error ? error.message : String(error)}).`);
  }
}
