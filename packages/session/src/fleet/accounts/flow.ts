import { SessionStoreUnavailableError } from "../../errors";
import type { SessionManager, SignInTicket } from "../../manager";
import { regenerateSession } from "../../session";
import type { IronSession } from "../../core";
import type { FleetSessionData } from "../fleet";
import type { RecordSealer } from "../sealing";
import type { FactorStore } from "./factors/factor-store";
import type { RelyingParty } from "./factors/types";
import type { AuthMethod } from "./factors/sign-in-methods";
import { messages } from "./messages";
import { type SignInRateLimiter, retryMessage } from "./rate-limit";
import { HashingBusyError, type HashTurn, type UserStore, type User } from "./users";
import type { CredentialErrors } from "./validation";

/**
 * What every account flow shares: its answer's shape, the tools it runs with (Flow), the start of a session,
 * and the failures every flow answers alike. The flows themselves: account.ts (password, registration,
 * sign-out) and factors/ (passkeys, two-step verification, step-up).
 */

/** A refusal: the status, an error code for programs and a message for the person. */
export interface AccountFailure {
  ok: false;
  status: 400 | 401 | 403 | 404 | 409 | 429 | 503;
  error: string;
  message: string;
  fieldErrors?: CredentialErrors;
  retryAfterSeconds?: number;
}

/**
 * An account flow's answer, written once for every kit: a kit's forms and the fleet's account API
 * (account-routes.ts) only translate it into form state or HTTP answers. Some flows add fields (`T`).
 */
export type AccountResult<T extends object = object> = ({ ok: true; user: User } & T) | AccountFailure;

export type Input = Record<string, unknown>;

/** The session flows are given: the fleet's, or an app's own fields beside them. */
export type AnySession = IronSession<FleetSessionData>;

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
export interface Flow {
  sessions: SessionManager<FleetSessionData>;
  users: UserStore;
  limiter: SignInRateLimiter;
  policy: AccountPolicy;
  factors: FactorStore;
  /** True the first time `key` is taken within `ms`, false ever after in that time, across the fleet: one-time values. */
  takeOnce(key: string, ms: number): Promise<boolean>;
  /** Seals the TOTP secrets at rest (fleet/sealing.ts). */
  sealer: RecordSealer;
  /** The sign-in app, for the passkey ceremonies. */
  rp: RelyingParty;
  /** IRONLINK_FRESH_AGE in milliseconds. */
  freshAgeMs: number;
}

/** How a session starts: the sign-in guard's ticket (when a password or code was checked) and the methods used. */
export interface SessionStart {
  ticket?: SignInTicket;
  amr: AuthMethod[];
}

/**
 * A fresh id at every sign-in: an id planted in the browser before sign-in is worthless after it, and so is
 * any half-done sign-in or ceremony it held. With a `ticket` (taken before the password was checked), the saved
 * session is kept only if no revocation of the user (a password change, "sign out everywhere") began since:
 * otherwise it is ended here and false comes back. Why that leaves no session of the old password alive:
 * manager.ts, signInGuard.
 */
export async function startSession(flow: Flow, session: AnySession, user: User, context: SignInContext, { ticket, amr }: SessionStart): Promise<boolean> {
  const { publicUrl } = flow.policy;
  await regenerateSession(session);
  const now = Date.now();
  const seenOn = publicUrl ? { seenOn: [new URL(publicUrl).origin] } : {};
  Object.assign(session, { user, signedInAt: now, authenticatedAt: now, amr, signedInOn: context.startedFrom ?? context.app, userAgent: context.userAgent, ...seenOn });
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

export function refusal(status: AccountFailure["status"], error: string, message: string, more: Partial<AccountFailure> = {}): AccountFailure {
  return { ok: false, status, error, message, ...more };
}

export function revokedMeanwhile(): AccountFailure {
  return refusal(401, "signed_out_meanwhile", messages.signedOutMeanwhile);
}

export function tooManyAttempts(retryAfterSeconds: number): AccountFailure {
  return refusal(429, "too_many_attempts", retryMessage(retryAfterSeconds), { retryAfterSeconds });
}

export function invalid(fieldErrors: CredentialErrors): AccountFailure {
  return refusal(400, "invalid_input", messages.invalidInput, { fieldErrors });
}

export function signedOut(): AccountFailure {
  return refusal(401, "unauthenticated", messages.signedOut);
}

/**
 * The password check of an attempt the rate limiter counted: the app's own `verifyCredentials`, or the
 * built-in users (hashed in turn with other accounts and addresses). One refused before any hashing is given back.
 */
export async function verifyAttempt(flow: Flow, username: string, password: string, giveBack: () => Promise<void>, turn: HashTurn): Promise<User | null> {
  try {
    const verify = flow.policy.verifyCredentials;
    return verify ? await verify({ username, password }) : await flow.users.verify(username, password, turn);
  } catch (error) {
    if (error instanceof HashingBusyError) await giveBack();
    throw error;
  }
}

/** A store that does not answer, or a full hashing queue: a 503 the person can retry. */
export async function withTemporaryFailures<R>(run: () => Promise<R | AccountFailure>): Promise<R | AccountFailure> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof SessionStoreUnavailableError) return refusal(503, "unavailable", messages.unavailable);
    if (error instanceof HashingBusyError) return refusal(503, "busy", messages.busy, { retryAfterSeconds: error.retryAfterSeconds });
    throw error;
  }
}
