import { sessionInfo } from "../../../session";
import { type AccountFailure, type AccountResult, type AnySession, type Flow, type Input, refusal, signedOut, type SignInContext, tooManyAttempts, verifyAttempt, withTemporaryFailures } from "../flow";
import { messages } from "../messages";
import type { User } from "../users";
import { spendCode } from "./second-step";
import { type AuthMethod, combineMethods, isFresh, methodsOf } from "./sign-in-methods";

/**
 * Step-up: sensitive changes (the password, passkeys, two-step verification) need a proof within the last
 * IRONLINK_FRESH_AGE seconds: the sign-in, or a new proof here (the password, a code, or a passkey through
 * passkey-flows.ts). Proofs are counted per session, with password changes: a signed-in owner's budget, which
 * strangers guessing at the username never spend.
 */

/** The session's user when it is signed in and fresh; otherwise the refusal that asks for a proof first. */
export function freshUser(flow: Flow, session: AnySession): User | AccountFailure {
  if (!session.user) return signedOut();
  const { authenticatedAt } = session as { authenticatedAt?: unknown };
  return isFresh(authenticatedAt, flow.freshAgeMs) ? session.user : refusal(403, "reauthentication_required", messages.confirmItsYou);
}

/** Records a new proof: the session is fresh again, and its methods include the one just used. */
export async function markFresh(session: AnySession, used: AuthMethod, userVerified = false): Promise<void> {
  Object.assign(session, { authenticatedAt: Date.now(), amr: combineMethods([...methodsOf((session as { amr?: unknown }).amr), used], { userVerified }) });
  await session.save();
}

/** A proof by password (`password`) or by code (`code`: the authenticator app's, or a recovery code). */
export function confirmIdentity(flow: Flow, session: AnySession, input: Input, context: SignInContext): Promise<AccountResult> {
  return withTemporaryFailures(async () => {
    const user = session.user;
    if (!user) return signedOut();
    const publicId = sessionInfo(session).publicId ?? "";
    const limit = await flow.limiter.attemptPasswordChange(publicId);
    if (limit.limited) return tooManyAttempts(limit.retryAfterSeconds);
    const method = await proofOf(flow, user, input, context, publicId);
    if (!method) return refusal(400, "wrong_proof", messages.wrongProof, { fieldErrors: { [typeof input.code === "string" ? "code" : "password"]: messages.wrongProof } });
    await flow.limiter.passwordChangeSucceeded(publicId);
    await markFresh(session, method);
    return { ok: true, user };
  });
}

async function proofOf(flow: Flow, user: { id: string; username: string }, input: Input, context: SignInContext, publicId: string): Promise<AuthMethod | undefined> {
  if (typeof input.code === "string" && input.code.trim()) return (await spendCode(flow, user.id, input.code)) ? "otp" : undefined;
  if (typeof input.password !== "string" || !input.password || input.password.length > 1024) return undefined;
  const turn = { address: context.address, as: `change:${publicId}` };
  const verified = await verifyAttempt(flow, flow.policy.verifyCredentials ? user.username : user.id, input.password, () => flow.limiter.passwordChangeNotChecked(publicId), turn);
  return verified?.id === user.id ? "pwd" : undefined;
}
