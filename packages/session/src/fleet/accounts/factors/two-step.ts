import { type AccountResult, type AnySession, type Flow, type Input, refusal, withTemporaryFailures } from "../flow";
import { messages } from "../messages";
import { newRecoveryCodes } from "./recovery-codes";
import { totpSealName } from "./second-step";
import { pendingMs, stateOf } from "./session-state";
import { freshUser, markFresh } from "./step-up";
import { matchTotp, newTotpSecret, totpSettings, totpUri } from "./totp";

/**
 * Turning two-step verification on and off, and new recovery codes: each a sensitive change (step-up.ts). The
 * new secret waits, sealed, in this browser's session until a code from it proves the app has it; the secret is
 * sealed at rest, the recovery codes kept as hashes and shown once.
 */

const setupSealName = (userId: string) => `totp-setup:${userId}`;

/** A new secret to scan: its setup key and otpauth:// URI (for the QR code). Nothing is on until confirmTwoStep. */
export function startTwoStep(flow: Flow, session: AnySession, issuer: string): Promise<AccountResult<{ setupKey: string; uri: string }>> {
  return withTemporaryFailures(async () => {
    const user = freshUser(flow, session);
    if ("ok" in user) return user;
    if ((await flow.factors.read(user.id)).totp) return refusal(409, "two_step_on", messages.twoStepAlreadyOn);
    const secret = await newTotpSecret();
    stateOf(session).totpSetup = { sealedSecret: flow.sealer.seal(secret, setupSealName(user.id)), until: Date.now() + pendingMs };
    await session.save();
    return { ok: true, user, setupKey: secret, uri: await totpUri(secret, user.username, issuer) };
  });
}

/** The first code from the new secret turns it on; the answer holds the recovery codes, shown this once. */
export function confirmTwoStep(flow: Flow, session: AnySession, input: Input): Promise<AccountResult<{ recoveryCodes: string[] }>> {
  return withTemporaryFailures(async () => {
    const user = freshUser(flow, session);
    if ("ok" in user) return user;
    const setup = stateOf(session).totpSetup;
    const secret = setup && setup.until > Date.now() ? flow.sealer.open(setup.sealedSecret, setupSealName(user.id)) : undefined;
    if (typeof secret !== "string") return refusal(400, "setup_expired", messages.twoStepSetupExpired);
    const step = await matchTotp(secret, input.code);
    if (step === undefined || !(await flow.takeOnce(`totp:${user.id}:${step}`, (2 * totpSettings.window + 2) * totpSettings.period * 1000))) {
      return refusal(400, "wrong_code", messages.wrongCode, { fieldErrors: { code: messages.wrongCode } });
    }
    const { codes, hashes } = await newRecoveryCodes();
    const totp = { sealedSecret: flow.sealer.seal(secret, totpSealName(user.id)), enabledAt: Date.now() };
    let turnedOn = false;
    await flow.factors.update(user.id, (current) => {
      turnedOn = !current.totp;
      return turnedOn ? { ...current, totp, recoveryCodes: hashes } : undefined;
    });
    if (!turnedOn) return refusal(409, "two_step_on", messages.twoStepAlreadyOn);
    delete stateOf(session).totpSetup;
    await markFresh(session, "otp");
    return { ok: true, user, recoveryCodes: codes };
  });
}

/** Turns two-step verification off: the secret and the recovery codes are gone. */
export function turnOffTwoStep(flow: Flow, session: AnySession): Promise<AccountResult> {
  return withTemporaryFailures(async () => {
    const user = freshUser(flow, session);
    if ("ok" in user) return user;
    let wasOn = false;
    await flow.factors.update(user.id, ({ totp, recoveryCodes, ...rest }) => {
      wasOn = totp !== undefined;
      return wasOn ? rest : undefined;
    });
    return wasOn ? { ok: true, user } : refusal(409, "two_step_off", messages.twoStepOff);
  });
}

/** Ten new recovery codes; the old ones stop working. Shown this once. */
export function renewRecoveryCodes(flow: Flow, session: AnySession): Promise<AccountResult<{ recoveryCodes: string[] }>> {
  return withTemporaryFailures(async () => {
    const user = freshUser(flow, session);
    if ("ok" in user) return user;
    const { codes, hashes } = await newRecoveryCodes();
    let renewed = false;
    await flow.factors.update(user.id, (current) => {
      renewed = current.totp !== undefined;
      return renewed ? { ...current, recoveryCodes: hashes } : undefined;
    });
    return renewed ? { ok: true, user, recoveryCodes: codes } : refusal(409, "two_step_off", messages.twoStepOff);
  });
}
