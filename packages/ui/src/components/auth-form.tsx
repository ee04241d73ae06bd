"use client";
import { type ComponentProps, useActionState } from "react";
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
      <Field id={`${mode}-username`} label="Username" name="username" autoComplete="username" defaultValue={state.username} error={errors.username} />
      <Field id={`${mode}-password`} label="Password" name="password" type="password" autoComplete={autoComplete} error={errors.password} />
      <button type="submit" disabled={pending}>
        {pending ? pendingLabel : submit}
      </button>
    </form>
  );
}

function Field({ id, label, error, ...input }: { id: string; label: string; error?: string } & ComponentProps<"input">) {
  const errorId = `${id}-error`;
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input id={id} key={String(input.defaultValue)} aria-invalid={Boolean(error)} aria-describedby={error ? errorId : undefined} required {...input} />
      {error && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
    </>
  );
}
