"use client";
import { useActionState } from "react";
import { signOutAction } from "@ironlink/auth/actions";

/** Signs out of every app at once: the session is deleted from Redis, not just this cookie. */
export function SignOutButton() {
  const [state, formAction, pending] = useActionState(signOutAction, {});
  return (
    <form action={formAction} className="sign-out">
      <button type="submit" disabled={pending}>
        {pending ? "Signing out…" : "Sign out"}
      </button>
      {state.message && <p role="alert" className="form-message">{state.message}</p>}
    </form>
  );
}
