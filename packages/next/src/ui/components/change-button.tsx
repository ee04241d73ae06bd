"use client";
import { useActionState } from "react";
import type { AuthFormState, FormAction } from "../../form-state";
import { FormMessages } from "./field";

/**
 * One button that makes one change (`action`, with `fields` as hidden inputs), and says how it went. Not
 * `offered` (the change was made, or cannot be now), the button goes and its last message stays.
 */
export function ChangeButton({
  action,
  label,
  fields = {},
  className = "secondary",
  offered = true,
}: { action: FormAction; label: string; fields?: Record<string, string>; className?: string; offered?: boolean }) {
  const [state, formAction, pending] = useActionState<AuthFormState, FormData>(action, {});
  if (!offered && !state.message && !state.success) return null;
  return (
    <form action={formAction} className="change-button" aria-busy={pending}>
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <FormMessages message={state.message} success={state.success} />
      <RecoveryCodes codes={state.recoveryCodes} />
      {offered && (
        <button type="submit" className={className} disabled={pending}>
          {label}
        </button>
      )}
    </form>
  );
}

/** Recovery codes, shown once: each signs in once in place of an authentication code. */
export function RecoveryCodes({ codes }: { codes?: string[] }) {
  if (!codes?.length) return null;
  return (
    <div className="recovery-codes">
      <p>Save these recovery codes somewhere safe. Each one works once, if you lose your authenticator app.</p>
      <ul aria-label="Recovery codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ul>
    </div>
  );
}
