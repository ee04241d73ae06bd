"use client";
import { startAuthentication, startRegistration } from "@simplewebauthn/browser";
import { useState, useTransition } from "react";
import type { AuthFormState, FormAction } from "../../form-state";
import { FormMessages } from "./field";

/** What the browser says when the person cancels or has no passkey here: our words, never the browser's. */
const notUsed = "No passkey was used. Try again, or use another way.";

/**
 * One passkey ceremony behind a button: the options from the app's server action (`purpose`: sign-in, add or
 * confirm; the challenge stays in this browser's session), the browser's passkey prompt (@simplewebauthn/browser),
 * then `finish` with the answer and `fields` (next, challenge). A sign-in's finish redirects; the others answer
 * with a message, and the page shows what changed.
 */
export function PasskeyButton({
  purpose,
  label,
  options,
  finish,
  fields = {},
  className,
}: { purpose: "sign-in" | "add" | "confirm"; label: string; options: FormAction; finish: FormAction; fields?: Record<string, string>; className?: string }) {
  const [state, setState] = useState<AuthFormState>({});
  const [pending, startTransition] = useTransition();
  const run = () =>
    startTransition(async () => {
      setState({});
      const asked = await options({}, formOf({ purpose }));
      if (!asked.passkeyOptions) return setState(asked);
      let response: unknown;
      try {
        const optionsJSON = JSON.parse(asked.passkeyOptions);
        response = purpose === "add" ? await startRegistration({ optionsJSON }) : await startAuthentication({ optionsJSON });
      } catch {
        return setState({ message: notUsed });
      }
      setState(await finish({}, formOf({ ...fields, response: JSON.stringify(response) })));
    });
  return (
    <div className="passkey-action">
      <FormMessages message={state.message} success={state.success} />
      <button type="button" className={className} onClick={run} disabled={pending} aria-busy={pending}>
        {label}
      </button>
    </div>
  );
}

function formOf(fields: Record<string, string>): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  return form;
}
