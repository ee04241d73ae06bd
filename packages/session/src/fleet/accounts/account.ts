import type { Cluster, Redis } from "ioredis";
import { SessionStoreUnavailableError } from "../../errors";
import type { SessionManager, SignInTicket } from "../../manager";
import { regenerateSession, sessionInfo } from "../../session";
import type { IronSession } from "../../core";
import type { FleetConfig } from "../config";
import type { FleetSessionData } from "../fleet";
import { messages } from "./messages";
import { SignInRateLimiter, retryMessage } from "./rate-limit";
import { accountStorage } from "./storage";
import { HashingBusyError, type HashTurn, UserStore, type User } from "./users";
import { checkCredentials, checkNewPassword, type CredentialErrors, newPasswordHint } from "./validation";

/**
 * Sign-in, registration, sign-out and password change, written once for every kit. A kit's forms and the
 * fleet's account API (account-routes.ts) only translate these results into form state or HTTP answers.
 */
export type AccountResult =
  | { ok: true; user: User }
  | {
      ok: false;
      status: 400 | 401 | 403 | 404 | 409 | 429 | 503;
      error: string;
      message: string;
      fieldErrors?: CredentialErrors;
      retryAfterSeconds?: number;
    };

type Input = Record<string, unknown>;

/** The session flows are given: the fleet's, or an app's own fields beside them. */
type AnySession = IronSession<FleetSessionData>;

/** What the app serving the request chose (the kit's options): who checks passwords, whether accounts are made here. */
export interface AccountPolicy {
  /** The app's own users' check; without it, the built-in users. */
  verifyCredentials?: ((credentials: { username: string; password: string }) => Promise<User | null>) | undefined;
  registration: boolean;
  /** This app's origin, recorded as the first place the session was seen. */
  publicUrl?: string | undefined;
}

/** Who is asking, as the kit read it from the request. */
export interface SignInContext {
  /** The client's address as per-address limits count it (fleet.addressBucket); undefined if unknown. */
  address: string | undefined;
  userAgent: string;
  /** The app serving the request. */
  app: string;
  /** The other app a sign-in will go back to (its name or host): what the session records as signedInOn. */
  startedFrom?: string;
}

/** One flow's tools: the fleet's session manager and account stores, and the serving app's policy. */
interface Flow {
  sessions: SessionManager<FleetSessionData>;
  users: UserStore;
  limiter: SignInRateLimiter;
  policy: AccountPolicy;
}

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
    if (!user) return { ok: false, status: 401, error: "invalid_credentials", message: messages.wrongCredentials };
    await flow.limiter.succeeded(username, context.address);
    if (!(await startSession(flow, session, user, context, ticket))) return revokedMeanwhile();
    return { ok: true, user };
  });
}

function register(flow: Flow, session: AnySession, input: Input, context: SignInContext): Promise<AccountResult> {
  return withTemporaryFailures(async () => {
    if (!flow.policy.registration) return { ok: false, status: 404, error: "registration_closed", message: messages.registrationClosed };
    const check = await checkCredentials(input, true);
    if (!check.ok) return invalid(check.errors);
    const limit = await flow.limiter.attemptRegistration(context.address);
    if (limit.limited) return tooManyAttempts(limit.retryAfterSeconds);
    // The password is hashed before the name is looked up, so a taken name costs as much as a free one.
    const created = await flow.users.create(check.credentials.username, check.credentials.password, { address: context.address });
    if (!created.ok) {
      return { ok: false, status: 409, error: "username_taken", message: messages.usernameTaken, fieldErrors: { username: messages.usernameTaken } };
    }
    await startSession(flow, session, created.user, context);
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
 * other session of the user: whoever knew the old password is out everywhere.
 */
function changePassword(flow: Flow, session: AnySession, input: Input, context: SignInContext): Promise<AccountResult> {
  return withTemporaryFailures(async () => {
    const user = session.user;
    if (!user) return { ok: false, status: 401, error: "unauthenticated", message: messages.signedOut };
    if (flow.policy.verifyCredentials) return { ok: false, status: 404, error: "password_change_unavailable", message: messages.passwordChangeElsewhere };
    const check = await checkNewPassword(input, user.username);
    if (!check.ok) return invalid(check.errors);
    // Counted per session: strangers guessing at the username never block its signed-in owner.
    const publicId = sessionInfo(session).publicId ?? "";
    const limit = await flow.limiter.attemptPasswordChange(publicId);
    if (limit.limited) return tooManyAttempts(limit.retryAfterSeconds);
    // Queued as this session, like its limit: sign-ins at the name never hold the owner's change up.
    const turn = { address: context.address, as: `change:${publicId}` };
    if (!(await verifyAttempt(flow, user.id, check.currentPassword, () => flow.limiter.passwordChangeNotChecked(publicId), turn))) {
      return { ok: false, status: 400, error: "wrong_password", message: messages.wrongCurrentPassword, fieldErrors: { currentPassword: messages.wrongCurrentPassword } };
    }
    await flow.limiter.passwordChangeSucceeded(publicId);
    await flow.users.changePassword(user.id, check.newPassword, turn);
    const data = { ...session };
    await regenerateSession(session);
    Object.assign(session, data);
    await session.save();
    // After the new hash is stored, never before: the revocation counts itself first, and a sign-in that
    // checked the old hash took its ticket before that count, so it cannot outlive this (manager.ts, signInGuard).
    await flow.sessions.revokeUserSessions(user.id, { except: sessionInfo(session).publicId });
    return { ok: true, user };
  });
}

/**
 * A fresh id at every sign-in: an id planted in the browser before sign-in is worthless after it. With a
 * `ticket` (signIn's, taken before the password was checked), the saved session is kept only if no
 * revocation of the user (a password change, "sign out everywhere") began since: otherwise it is ended
 * here and false comes back. Why that leaves no session of the old password alive: manager.ts, signInGuard.
 */
async function startSession(flow: Flow, session: AnySession, user: User, context: SignInContext, ticket?: SignInTicket): Promise<boolean> {
  const { publicUrl } = flow.policy;
  await regenerateSession(session);
  Object.assign(session, { user, signedInAt: Date.now(), signedInOn: context.startedFrom ?? context.app, userAgent: context.userAgent, ...(publicUrl ? { seenOn: [new URL(publicUrl).origin] } : {}) });
  await session.save();
  if (!ticket) return true;
  let current = false;
  try {
    current = await flow.sessions.isSignInCurrent(ticket, user.id);
  } finally {
    // Unanswered (the store down) counts as revoked: the cookie goes whatever the store says.
    if (!current) await session.destroy().catch(() => undefined);
  }
  return current;
}

function revokedMeanwhile(): AccountResult {
  return { ok: false, status: 401, error: "signed_out_meanwhile", message: messages.signedOutMeanwhile };
}

function tooManyAttempts(retryAfterSeconds: number): AccountResult {
  return { ok: false, status: 429, error: "too_many_attempts", message: retryMessage(retryAfterSeconds), retryAfterSeconds };
}

function invalid(fieldErrors: CredentialErrors): AccountResult {
  return { ok: false, status: 400, error: "invalid_input", message: messages.invalidInput, fieldErrors };
}

/**
 * The password check of an attempt the rate limiter counted: the app's own `verifyCredentials`, or the
 * built-in users (hashed in turn with other accounts and addresses). One refused before any hashing is given back.
 */
async function verifyAttempt(flow: Flow, username: string, password: string, giveBack: () => Promise<void>, turn: HashTurn): Promise<User | null> {
  try {
    const verify = flow.policy.verifyCredentials;
    return verify ? await verify({ username, password }) : await flow.users.verify(username, password, turn);
  } catch (error) {
    if (error instanceof HashingBusyError) await giveBack();
    throw error;
  }
}

/** A store that does not answer, or a full hashing queue: a 503 the person can retry. */
async function withTemporaryFailures(run: () => Promise<AccountResult>): Promise<AccountResult> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof SessionStoreUnavailableError) return { ok: false, status: 503, error: "unavailable", message: messages.unavailable };
    if (error instanceof HashingBusyError) {
      return { ok: false, status: 503, error: "busy", message: messages.busy, retryAfterSeconds: error.retryAfterSeconds };
    }
    throw error;
  }
}

/** The account flows of a fleet, over its session manager and the account stores beside its sessions. */
export interface Accounts {
  /** Checks the password (the built-in users, or `policy.verifyCredentials`) within the sign-in budgets, and starts a new session. */
  signIn(session: AnySession, input: Input, context: SignInContext, policy: AccountPolicy): Promise<AccountResult>;
  /** Creates a built-in user (when `policy.registration`) and signs them in. */
  register(session: AnySession, input: Input, context: SignInContext, policy: AccountPolicy): Promise<AccountResult>;
  /** Changes a built-in user's password, gives this session a new id and ends the user's other sessions. */
  changePassword(session: AnySession, input: Input, context: SignInContext, policy: AccountPolicy): Promise<AccountResult>;
  /** Ends this session in the store, or (`everywhere`) every session of its user: every app sees it at once. */
  signOut(session: AnySession, options?: { everywhere?: boolean }): Promise<void>;
  /** Ends one of the user's other sessions (by its publicId); only one they own. */
  endSession(session: AnySession, publicId: unknown): Promise<boolean>;
  /** The password rules, to show under a new-password field before the first try. */
  newPasswordHint: string;
  /** Outside production, the demo account of IRONLINK_DEMO_USER and IRONLINK_DEMO_PASSWORD (the first app creates it). */
  seedDemoAccount(): Promise<void>;
}

export function createAccounts(config: FleetConfig, sessions: () => SessionManager<FleetSessionData>, redis: Redis | Cluster | undefined): Accounts {
  let stores: { users: UserStore; limiter: SignInRateLimiter } | undefined;
  // Made on first use: an app that never signs anyone in opens no account store.
  const flow = (policy: AccountPolicy): Flow => {
    if (!stores) {
      const { users, attempts } = accountStorage(config.store, redis);
      stores = { users: new UserStore(users), limiter: new SignInRateLimiter(attempts, config.rateLimit) };
    }
    return { ...stores, sessions: sessions(), policy };
  };
  const noPolicy: AccountPolicy = { registration: false };
  return {
    signIn: (session, input, context, policy) => signIn(flow(policy), session, input, context),
    register: (session, input, context, policy) => register(flow(policy), session, input, context),
    changePassword: (session, input, context, policy) => changePassword(flow(policy), session, input, context),
    signOut: (session, { everywhere = false } = {}) => (everywhere ? signOutEverywhere(flow(noPolicy), session) : signOut(session)),
    endSession: (session, publicId) => revokeOwnSession(flow(noPolicy), session, publicId),
    newPasswordHint,
    seedDemoAccount: () => seedDemoAccount(config, flow(noPolicy).users),
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
