"use client";
import { useActionState } from "react";
import type { AuthFormState, FormAction } from "../../form-state";
import { CodeForm } from "./code-form";
import { Field, SignInFormTop } from "./field";

const modes = {
  login: { title: "Sign in", submit: "Sign in", pending: "Signing in…", autoComplete: "current-password" },
  register: { title: "Create an account", submit: "Create account", pending: "Creating account…", autoComplete: "new-password" },
} as const;

/**
 * The sign-in and registration form: `action` (the app's submitForm bound to "signIn" or "register", a server
 * action) through useActionState, so errors appear without a reload. `notice` explains why the person is here (an expired session); `returnsTo` names the other app
 * (its recorded name, else its host) the person goes back to; `passwordHint` states the password rules (registration).
 */
export function AuthForm({
  action,
  mode,
  next,
  challenge,
  notice,
  returnsTo,
  passwordHint,
  codeAction,
  secondStep = false,
}: {
  action: FormAction;
  mode: keyof typeof modes;
  next: string;
  challenge?: string;
  notice?: string;
  returnsTo?: string;
  passwordHint?: string;
  /** The app's submitForm bound to "signInCode": a sign-in whose password was right asks for its code with it. */
  codeAction?: FormAction;
  /** This browser's sign-in already waits for its code (the page was reloaded). */
  secondStep?: boolean;
}) {
  const { title, submit, pending: pendingLabel, autoComplete } = modes[mode];
  const [state, formAction, pending] = useActionState<AuthFormState, FormData>(action, {});
  const errors = state.fieldErrors ?? {};
  if (codeAction && (state.secondStep || secondStep)) return <CodeForm action={codeAction} next={next} challenge={challenge} notice={state.notice} />;

  return (
    <form action={formAction} className="card auth-form" noValidate aria-busy={pending}>
      <h1>{title}</h1>
      {returnsTo && (
        <p className="form-returns-to">
          You will go back to <strong>{returnsTo}</strong> afterwards.
        </p>
      )}
      <SignInFormTop notice={notice} message={state.message} next={next} challenge={challenge} />
      {/* "webauthn": browsers that offer passkeys in the username field's autofill may list this site's. */}
      <Field id={`${mode}-username`} label="Username" name="username" autoComplete={mode === "login" ? "username webauthn" : "username"} defaultValue={state.username} error={errors.username} />
      <Field id={`${mode}-password`} label="Password" name="password" type="password" autoComplete={autoComplete} hint={passwordHint} error={errors.password} />
      <button type="submit" disabled={pending}>
        {pending ? pendingLabel : submit}
      </button>
    </form>
  );
}
