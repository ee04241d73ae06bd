"use client";
import { useState } from "react";
import type { FormAction } from "../../form-state";
import { ChangeButton } from "./change-button";
import { PasswordChangeForm } from "./password-change-form";

/**
 * The password's changes on the account page, for a fresh session: "Stop using a password" (with a password
 * and a passkey to sign in with instead), and changing the password, or setting one without. `removePassword`
 * and `changePassword` are the app's submitForm bound to those forms.
 *
 * Each change's message stays where it was made, though the page then shows the other state (the button goes
 * once the password is gone, the set form becomes the change form); the other form starts afresh, so no
 * message of an earlier change is left beside the new state.
 */
export function PasswordSettings({
  hasPassword,
  hasPasskey,
  removePassword,
  changePassword,
  newPasswordHint,
}: {
  hasPassword: boolean;
  hasPasskey: boolean;
  removePassword: FormAction;
  changePassword: FormAction;
  newPasswordHint: string;
}) {
  const [rounds, setRounds] = useState({ removed: 0, set: 0 });
  const [had, setHad] = useState(hasPassword);
  if (had !== hasPassword) {
    setHad(hasPassword);
    setRounds(hasPassword ? { ...rounds, set: rounds.set + 1 } : { ...rounds, removed: rounds.removed + 1 });
  }
  return (
    <>
      <ChangeButton key={`remove-${rounds.set}`} action={removePassword} label="Stop using a password" offered={hasPassword && hasPasskey} />
      <PasswordChangeForm key={`change-${rounds.removed}`} action={changePassword} newPasswordHint={newPasswordHint} hasPassword={hasPassword} />
    </>
  );
}
