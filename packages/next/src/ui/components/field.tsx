import type { ComponentProps } from "react";

/** A labelled input with its hint (what is asked) and error message, wired for screen readers. */
export function Field({ id, label, hint, error, ...input }: { id: string; label: string; hint?: string; error?: string } & ComponentProps<"input">) {
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint && hintId, error && errorId].filter(Boolean).join(" ");
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        key={String(input.defaultValue)}
        aria-invalid={Boolean(error)}
        aria-describedby={describedBy || undefined}
        required
        {...input}
      />
      {hint && (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
    </>
  );
}

/** The outcome of the last submit: an error (role=alert) or a success (role=status). */
export function FormMessages({ message, success }: { message?: string; success?: string }) {
  return (
    <>
      {message && (
        <p role="alert" className="form-message">
          {message}
        </p>
      )}
      {success && (
        <p role="status" className="form-success">
          {success}
        </p>
      )}
    </>
  );
}

/**
 * The top of a sign-in form: why the person is here (`notice`, until a submit has its own message), the last
 * submit's error, and where the sign-in goes on to (`next`, and a satellite's `challenge`).
 */
export function SignInFormTop({ notice, message, next, challenge }: { notice?: string; message?: string; next: string; challenge?: string }) {
  return (
    <>
      {notice && !message && (
        <p role="status" className="form-notice">
          {notice}
        </p>
      )}
      <FormMessages message={message} />
      <input type="hidden" name="next" value={next} />
      {challenge && <input type="hidden" name="challenge" value={challenge} />}
    </>
  );
}
