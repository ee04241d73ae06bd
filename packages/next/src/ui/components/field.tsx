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
