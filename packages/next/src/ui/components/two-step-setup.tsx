"use client";
import { useActionState, useState } from "react";
import type { AuthFormState, FormAction } from "../../form-state";
import { RecoveryCodes } from "./change-button";
import { Field, FormMessages } from "./field";

/**
 * Turning two-step verification on: a new secret (its QR code and setup key), then a code from the app
 * proves it has it, and the recovery codes are shown once. `start` and `confirm` are the app's submitForm
 * bound to "startTwoStep" and "confirmTwoStep"; `on`: two-step verification is on (only the codes just made show).
 */
export function TwoStepSetup(props: { start: FormAction; confirm: FormAction; on: boolean }) {
  // Turned off since: a new round, so neither the old codes nor the old QR code come back.
  const [round, setRound] = useState(0);
  const [wasOn, setWasOn] = useState(props.on);
  if (wasOn !== props.on) {
    setWasOn(props.on);
    if (!props.on) setRound(round + 1);
  }
  return <SetupRound key={round} {...props} />;
}

function SetupRound({ start, confirm, on }: { start: FormAction; confirm: FormAction; on: boolean }) {
  const [started, startAction, starting] = useActionState<AuthFormState, FormData>(start, {});
  const [confirmed, confirmAction, confirming] = useActionState<AuthFormState, FormData>(confirm, {});
  // The page shows two-step verification on as soon as it is (confirm revalidates it); the codes stay here, once.
  if (confirmed.recoveryCodes) {
    return (
      <div>
        <FormMessages success={confirmed.success} />
        <RecoveryCodes codes={confirmed.recoveryCodes} />
      </div>
    );
  }
  if (on) return null;
  const setup = confirmed.twoStepSetup ?? started.twoStepSetup;
  if (!setup) {
    return (
      <form action={startAction} aria-busy={starting}>
        <FormMessages message={started.message} />
        <button type="submit" disabled={starting}>
          Turn on two-step verification
        </button>
      </form>
    );
  }
  return (
    <form action={confirmAction} className="auth-form two-step-setup" noValidate aria-busy={confirming}>
      <p>Scan this QR code with your authenticator app, or type the setup key into it.</p>
      <svg className="qr-code" role="img" aria-label="QR code" viewBox={`-2 -2 ${setup.qr.size + 4} ${setup.qr.size + 4}`} shapeRendering="crispEdges">
        <rect x={-2} y={-2} width={setup.qr.size + 4} height={setup.qr.size + 4} fill="#fff" />
        <path d={setup.qr.path} fill="#000" />
      </svg>
      <p>
        Setup key <code className="setup-key">{setup.setupKey}</code>
      </p>
      <FormMessages message={confirmed.message} />
      <Field id="two-step-code" label="Authentication code" name="code" autoComplete="one-time-code" inputMode="numeric" maxLength={16} error={confirmed.fieldErrors?.code} />
      <button type="submit" disabled={confirming}>
        Turn on
      </button>
    </form>
  );
}
