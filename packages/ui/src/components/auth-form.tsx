"use client";
import { useActionState } from "react";
import { registerAction, signInAction } from "@ironlink/auth/actions";
import type { AuthFormState } from "@ironlink/auth/form-state";

const modes = {
  login: { action: signInAction, title: "Sign in", submit: "Sign in", pending: "Signing in…", autoComplete: "current-password" },
  register: { action: registerAction, title: "Create an account", submit: "Create account", pending: "Creating account…", autoComplete: "new-password" },
} as const;

/** The sign-in and registration form: a server action through useActionState, so errors appear without a reload. */
export function AuthForm({ mode, next }: { mode: keyof typeof modes; next: string }) {
  const { action, title, submit, pending: pendingLabel, autoComplete } = modes[mode];
  const [state, formAction, pending] = useActionState<AuthFormState, FormData>(action, {});
  const errors = state.fieldErrors ?? {};

  return (
    <form action={formAction} className="card auth-form" noValidate aria-busy={pending}>
      <h1>{title}</h1>
      {state.message && (
        <p role="alert" className="form-message">
          {state.message}
        </p>
      )}
      <input type="hidden" name="next" value={next} />
      <label htmlFor={`${mode}-username`}>Username</label>
      <input
        id={`${mode}-username`}
        name="username"
        autoComplete="username"
        defaultValue={state.username}
        key={state.username}
        aria-invalid={Boolean(errors.username)}
        aria-describedby={errors.username ? `${mode}-username-error` : undefined}
        required
      />
      {errors.username && (
        <p id={`${mode}-username-error`} className="field-error">
          {errors.username}
        </p>
      )}
      <label htmlFor={`${mode}-password`}>Password</label>
      <input
        id={`${mode}-password`}
        name="password"
        type="password"
        autoComplete={autoComplete}
        aria-invalid={Boolean(errors.password)}
        aria-describedby={errors.password ? `${mode}-password-error` : undefined}
        required
      />
      {errors.password && (
        <p id={`${mode}-password-error`} className="field-error">
          {errors.password}
        </p>
      )}
      <button type="submit" disabled={pending}>
        {pending ? pendingLabel : submit}
      </button>
    </form>
  );
}
