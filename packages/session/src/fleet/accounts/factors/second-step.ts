import { regenerateSession } from "../../../session";
import type { SignInTicket } from "../../../manager";
import { type AccountResult, type AnySession, type Flow, type Input, refusal, revokedMeanwhile, type SignInContext, startSession, tooManyAttempts, withTemporaryFailures } from "../flow";
import { messages } from "../messages";
import type { User } from "../users";
import { hashRecoveryCode } from "./recovery-codes";
import { pendingMs, pendingSignIn, stateOf } from "./session-state";
import { type AuthMethod, combineMethods } from "./sign-in-methods";
import { matchTotp, totpSettings } from "./totp";

/**
 * Two-step verification at sign-in: after a right password, a person with it on gets no session yet, only a
 * pending sign-in in this browser's session (no `user`: no app takes it as signed in). The code, or a recovery
 * code, then starts the session. Every code is counted against the sign-in budgets like a password, and the
 * password's own attempt stays counted until the code is right.
 */

/** The name a TOTP secret is sealed under (the sealer's additional data): it opens for this user only. */
export const totpSealName = (userId: string) => `totp:${userId}`;

/**
 * Holds the sign-in until its code comes, under a new session id (the id the password was typed under is
 * dropped). `first` is the factor already proven: the password, or a passkey that did not verify its user.
 */
export async function awaitSecondStep(session: AnySession, user: User, ticket: SignInTicket, context: SignInContext, first: AuthMethod = "pwd"): Promise<AccountResult> {
  await regenerateSession(session);
  const startedFrom = context.startedFrom ? { startedFrom: context.startedFrom } : {};
  stateOf(session).pendingSignIn = { user, ticket, ...startedFrom, address: context.address, first, until: Date.now() + pendingMs };
  await session.save();
  return refusal(401, "second_factor_required", messages.enterCode);
}

/** The pending sign-in's code: a TOTP code or a recovery code. Right, the session starts; wrong, it counts. */
export function verifySignInCode(flow: Flow, session: AnySession, input: Input, context: SignInContext): Promise<AccountResult> {
  return withTemporaryFailures(async () => {
    const pending = pendingSignIn(session);
    if (!pending) return refusal(401, "sign_in_again", messages.secondStepExpired);
    const { user } = pending;
    const limit = await flow.limiter.attempt(user.username, context.address);
    if (limit.limited) return tooManyAttempts(limit.retryAfterSeconds);
    const spent = await spendCode(flow, user.id, input.code);
    if (!spent) return refusal(401, "wrong_code", messages.wrongCode, { fieldErrors: { code: messages.wrongCode } });
    // Both attempts given back: the code's, and the password's (counted where it was typed) that waited for it.
    await flow.limiter.succeeded(user.username, context.address);
    await flow.limiter.succeeded(user.username, pending.address);
    const start = { ticket: pending.ticket, amr: combineMethods([pending.first ?? "pwd", "otp"]) };
    if (!(await startSession(flow, session, user, { ...context, ...(pending.startedFrom ? { startedFrom: pending.startedFrom } : {}) }, start))) return revokedMeanwhile();
    return { ok: true, user };
  });
}

/**
 * Whether `code` is the person's TOTP code of now (each time step accepted once, fleet-wide) or one of their
 * unused recovery codes (then spent: taken once, and removed from the record).
 */
export async function spendCode(flow: Flow, userId: string, code: unknown): Promise<"otp" | "recovery" | undefined> {
  const factors = await flow.factors.read(userId);
  if (!factors.totp) return undefined;
  const secret = flow.sealer.open(factors.totp.sealedSecret, totpSealName(userId));
  const step = typeof secret === "string" ? await matchTotp(secret, code) : undefined;
  // A step's code stays valid for the window either side: remembered that long, so it is accepted once.
  if (step !== undefined) return (await flow.takeOnce(`totp:${userId}:${step}`, (2 * totpSettings.window + 2) * totpSettings.period * 1000)) ? "otp" : undefined;
  const hash = hashRecoveryCode(code);
  if (!hash || !factors.recoveryCodes?.includes(hash)) return undefined;
  if (!(await flow.takeOnce(`recovery:${userId}:${hash}`, recoveryCodeMemoryMs))) return undefined;
  await flow.factors.update(userId, (current) => ({ ...current, recoveryCodes: (current.recoveryCodes ?? []).filter((kept) => kept !== hash) }));
  return "recovery";
}

/** A spent recovery code is also removed from the record; this only guards the moment between the two. */
const recoveryCodeMemoryMs = 24 * 3600_000;
