"use client";
import { useActionState } from "react";
import type { AuthFormState, FormAction } from "../../form-state";
import { Field, FormMessages } from "./field";

/**
 * Changing the password signs out every other session of the user, in every app. `action` is the app's
 * submitForm bound to "changePassword"; `newPasswordHint` states the rules.
 */
export function PasswordChangeForm({ action, newPasswordHint }: { action: FormAction; newPasswordHint: string }) {
  const [state, formAction, pending] = useActionState<AuthFormState, FormData>(action, {});
  const errors = state.fieldErrors ?? {};
  return (
    <form action={formAction} className="auth-form" noValidate aria-busy={pending}>
      <h2>Change password</h2>
      <FormMessages message={state.message} success={state.success} />
      <Field id="current-password" label="Current password" name="currentPassword" type="password" autoComplete="current-password" error={errors.currentPassword} />
      <Field id="new-password" label="New password" name="newPassword" type="password" autoComplete="new-password" hint={newPasswordHint} error={errors.newPassword} />
      <button type="submit" disabled={pending}>
        {pending ? "Changing password…" : "Change password"}
      </button>
    </form>
  );
}
