"use client";
import { useActionState } from "react";
import type { AuthFormState, FormAction } from "../../form-state";
import { Field, FormMessages } from "./field";

/**
 * Changing the password signs out every other session of the user, in every app. `action` is the app's
 * submitForm bound to "changePassword"; `newPasswordHint` states the rules. Without a password (`hasPassword`
 * false: a passwordless person), the same flow sets one, and there is no current password to ask for.
 */
export function PasswordChangeForm({ action, newPasswordHint, hasPassword = true }: { action: FormAction; newPasswordHint: string; hasPassword?: boolean }) {
  const [state, formAction, pending] = useActionState<AuthFormState, FormData>(action, {});
  const errors = state.fieldErrors ?? {};
  const [title, button, busy] = hasPassword ? ["Change password", "Change password", "Changing password…"] : ["Set a password", "Set password", "Setting password…"];
  return (
    <form action={formAction} className="auth-form" noValidate aria-busy={pending}>
      <h4>{title}</h4>
      <FormMessages message={state.message} success={state.success} />
      {hasPassword && (
        <Field id="current-password" label="Current password" name="currentPassword" type="password" autoComplete="current-password" error={errors.currentPassword} />
      )}
      <Field id="new-password" label="New password" name="newPassword" type="password" autoComplete="new-password" hint={newPasswordHint} error={errors.newPassword} />
      <button type="submit" disabled={pending}>
        {pending ? busy : button}
      </button>
    </form>
  );
}
