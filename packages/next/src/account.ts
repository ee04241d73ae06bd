import "server-only";
import { regenerateSession, type SessionManager, SessionStoreUnavailableError, sessionInfo } from "@ironlink/session";
import { getConfig } from "./config";
import { messages } from "./messages";
import type { ResolvedOptions } from "./options";
import { SignInRateLimiter, retryMessage } from "./rate-limit";
import { getStorage } from "./storage";
import type { RequestContext } from "./request-context";
import { type AppSession, sessions } from "./session";
import { HashingBusyError, type HashTurn, UserStore, type User } from "./users";
import { checkCredentials, checkNewPassword, type CredentialErrors } from "./validation";

/**
 * Sign-in, registration, sign-out and password change, written once. The server actions (forms) and the
 * route handlers (API clients) only translate these results into form state or HTTP answers.
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

const users = () => new UserStore(getStorage().users);
const limiter = () => new SignInRateLimiter(getStorage().attempts, getConfig().rateLimit);

export function signIn(options: ResolvedOptions, session: AppSession, input: Input, context: RequestContext): Promise<AccountResult> {
  return withTemporaryFailures(async () => {
    const check = await checkCredentials(input, false);
    if (!check.ok) return invalid(check.errors);
    const { username, password } = check.credentials;
    // Counted before the password is checked, so concurrent guesses cannot all slip under the limit.
    const limit = await limiter().attempt(username, context.address);
    if (limit.limited) return tooManyAttempts(limit.retryAfterSeconds);
    // The sign-in guard (manager.ts, docs/security.md): taken before the password is checked.
    const ticket = await sessions().signInTicket();
    const user = await verifyAttempt(options, username, password, () => limiter().notChecked(username, context.address), { address: context.address });
    if (!user) return { ok: false, status: 401, error: "invalid_credentials", message: messages.wrongCredentials };
    await limiter().succeeded(username, context.address);
    if (!(await startSession(options, session, user, context, ticket))) return revokedMeanwhile();
    return { ok: true, user };
  });
}

export function register(options: ResolvedOptions, session: AppSession, input: Input, context: RequestContext): Promise<AccountResult> {
  return withTemporaryFailures(async () => {
    if (!options.registration) return { ok: false, status: 404, error: "registration_closed", message: messages.registrationClosed };
    const check = await checkCredentials(input, true);
    if (!check.ok) return invalid(check.errors);
    const limit = await limiter().attemptRegistration(context.address);
    if (limit.limited) return tooManyAttempts(limit.retryAfterSeconds);
    // The password is hashed before the name is looked up, so a taken name costs as much as a free one.
    const created = await users().create(check.credentials.username, check.credentials.password, { address: context.address });
    if (!created.ok) {
      return { ok: false, status: 409, error: "username_taken", message: messages.usernameTaken, fieldErrors: { username: messages.usernameTaken } };
    }
    await startSession(options, session, created.user, context);
    return { ok: true, user: created.user };
  });
}

/** Ends the session in Redis, so every app sees the user signed out on its next request. */
export async function signOut(session: AppSession): Promise<void> {
  await session.destroy();
}

/** Ends every session of the user, this one included. */
export async function signOutEverywhere(session: AppSession): Promise<void> {
  if (session.user) await sessions().revokeUserSessions(session.user.id);
  await session.destroy();
}

/** Ends one of the user's other sessions; only ones the user owns. */
export async function revokeOwnSession(session: AppSession, publicId: unknown): Promise<boolean> {
  if (!session.user || typeof publicId !== "string" || publicId === sessionInfo(session).publicId) return false;
  return sessions().revokeSession(publicId, { userId: session.user.id });
}

/**
 * Changes the password after checking the current one, then gives this session a new id and ends every
 * other session of the user: whoever knew the old password is out everywhere.
 */
export function changePassword(options: ResolvedOptions, session: AppSession, input: Input, context: RequestContext): Promise<AccountResult> {
  return withTemporaryFailures(async () => {
    const user = session.user;
    if (!user) return { ok: false, status: 401, error: "unauthenticated", message: messages.signedOut };
    if (options.verifyCredentials) return { ok: false, status: 404, error: "password_change_unavailable", message: messages.passwordChangeElsewhere };
    const check = await checkNewPassword(input, user.username);
    if (!check.ok) return invalid(check.errors);
    // Counted per session: strangers guessing at the username never block its signed-in owner.
    const publicId = sessionInfo(session).publicId ?? "";
    const limit = await limiter().attemptPasswordChange(publicId);
    if (limit.limited) return tooManyAttempts(limit.retryAfterSeconds);
    // Queued as this session, like its limit: sign-ins at the name never hold the owner's change up.
    const turn = { address: context.address, as: `change:${publicId}` };
    if (!(await verifyAttempt(options, user.id, check.currentPassword, () => limiter().passwordChangeNotChecked(publicId), turn))) {
      return { ok: false, status: 400, error: "wrong_password", message: messages.wrongCurrentPassword, fieldErrors: { currentPassword: messages.wrongCurrentPassword } };
    }
    await limiter().passwordChangeSucceeded(publicId);
    await users().changePassword(user.id, check.newPassword, turn);
    const data = { ...session };
    await regenerateSession(session);
    Object.assign(session, data);
    await session.save();
    // After the new hash is stored, never before: the revocation counts itself first, and a sign-in that
    // checked the old hash took its ticket before that count, so it cannot outlive this (manager.ts, signInGuard).
    await sessions().revokeUserSessions(user.id, { except: sessionInfo(session).publicId });
    return { ok: true, user };
  });
}

/**
 * A fresh id at every sign-in: an id planted in the browser before sign-in is worthless after it. With a
 * `ticket` (signIn's, taken before the password was checked), the saved session is kept only if no
 * revocation of the user (a password change, "sign out everywhere") began since: otherwise it is ended
 * here and false comes back. Why that leaves no session of the old password alive: manager.ts, signInGuard.
 */
async function startSession({ publicUrl }: ResolvedOptions, session: AppSession, user: User, context: RequestContext, ticket?: SessionManager.SignInTicket): Promise<boolean> {
  await regenerateSession(session);
  Object.assign(session, { user, signedInAt: Date.now(), signedInOn: context.startedFrom ?? context.app, userAgent: context.userAgent, ...(publicUrl ? { seenOn: [new URL(publicUrl).origin] } : {}) });
  await session.save();
  if (!ticket) return true;
  let current = false;
  try {
    current = await sessions().isSignInCurrent(ticket, user.id);
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
async function verifyAttempt({ verifyCredentials: verify }: ResolvedOptions, username: string, password: string, giveBack: () => Promise<void>, turn: HashTurn): Promise<User | null> {
  try {
    return verify ? await verify({ username, password }) : await users().verify(username, password, turn);
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
