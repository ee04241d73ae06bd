import type { ComponentProps } from "react";

/** A labelled input with its error message, wired for screen readers. */
export function Field({ id, label, error, ...input }: { id: string; label: string; error?: string } & ComponentProps<"input">) {
  const errorId = `${id}-error`;
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        key={String(input.defaultValue)}
        aria-invalid={Boolean(error)}
        aria-describedby={error ? errorId : undefined}
        required
        {...input}
      />
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
