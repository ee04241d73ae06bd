"use client";
import { useActionState } from "react";
import type { AuthFormState, FormAction } from "../../form-state";
import { Field, SignInFormTop } from "./field";

/**
 * A sign-in's second step: the code from the authenticator app, or a recovery code. `action` is the app's
 * submitForm bound to "signInCode"; `next` and `challenge` carry on where the password form would have gone.
 */
export function CodeForm({ action, next, challenge, notice }: { action: FormAction; next: string; challenge?: string; notice?: string }) {
  const [state, formAction, pending] = useActionState<AuthFormState, FormData>(action, {});
  return (
    <form action={formAction} className="card auth-form" noValidate aria-busy={pending}>
      <h1>Two-step verification</h1>
      <SignInFormTop notice={notice} message={state.message} next={next} challenge={challenge} />
      <Field id="sign-in-code" label="Authentication code" name="code" autoComplete="one-time-code" autoCapitalize="off" spellCheck={false} maxLength={32} hint="The 6-digit code from your authenticator app, or a recovery code." error={state.fieldErrors?.code} />
      <button type="submit" disabled={pending}>
        {pending ? "Checking…" : "Verify"}
      </button>
    </form>
  );
}
