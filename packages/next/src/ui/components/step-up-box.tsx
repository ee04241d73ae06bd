"use client";
import { useActionState } from "react";
import type { AuthFormState, FormAction } from "../../form-state";
import { Field, FormMessages } from "./field";
import { PasskeyButton } from "./passkey-button";

/**
 * Step-up: the sign-in is older than IRONLINK_FRESH_AGE, so sensitive changes first ask for a new proof: the
 * password, a passkey, or a code. `confirm` is the app's submitForm bound to "confirmIdentity"; once it
 * succeeds the page shows the changes again.
 */
export function StepUpBox({
  confirm,
  passkeyOptions,
  withPassword,
  withPasskey,
  withCode,
  next,
}: {
  confirm: FormAction;
  passkeyOptions: FormAction;
  withPassword: boolean;
  withPasskey: boolean;
  withCode: boolean;
  /** Where to go once confirmed (a page that asked for two factors); without it, the page shows the changes. */
  next?: string;
}) {
  const nextField = next ? <input type="hidden" name="next" value={next} /> : null;
  const [byPassword, passwordAction, checkingPassword] = useActionState<AuthFormState, FormData>(confirm, {});
  const [byCode, codeAction, checkingCode] = useActionState<AuthFormState, FormData>(confirm, {});
  return (
    <div className="step-up">
      <h3>Confirm it's you</h3>
      <p>{next ? "This page needs a second step: use a passkey or enter a code." : "You signed in a while ago. To change your password, passkeys or two-step verification, confirm it's you first."}</p>
      {withPassword && (
        <form action={passwordAction} className="auth-form" noValidate aria-busy={checkingPassword}>
          <FormMessages message={byPassword.message} />
          {nextField}
          <Field id="step-up-password" label="Password" name="password" type="password" autoComplete="current-password" error={byPassword.fieldErrors?.password} />
          <button type="submit" disabled={checkingPassword}>
            Confirm
          </button>
        </form>
      )}
      {withPasskey && <PasskeyButton purpose="confirm" label="Use a passkey" className="secondary" options={passkeyOptions} finish={confirm} fields={next ? { next } : {}} />}
      {withCode && (
        <form action={codeAction} className="auth-form" noValidate aria-busy={checkingCode}>
          <FormMessages message={byCode.message} />
          {nextField}
          <Field id="step-up-code" label="Authentication code" name="code" autoComplete="one-time-code" maxLength={32} error={byCode.fieldErrors?.code} />
          <button type="submit" className="secondary" disabled={checkingCode}>
            Confirm with code
          </button>
        </form>
      )}
    </div>
  );
}
