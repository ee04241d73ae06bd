import type { SignInTicket } from "../../../manager";
import type { AnySession } from "../flow";
import type { User } from "../users";
import type { AuthMethod } from "./sign-in-methods";

/**
 * The fleet's own fields of a session that no app reads: a sign-in waiting for its second step, a WebAuthn
 * challenge, a two-step setup waiting for its first code. They live in the browser's session (in the store,
 * behind its HttpOnly cookie), so they are bound to that browser; each expires on its own and a sign-in's new
 * session id drops them all.
 */
export interface FactorSessionState {
  /** A right password whose code is still to come: no `user`, so no app takes the session as signed in. */
  pendingSignIn?: { user: User; ticket: SignInTicket; startedFrom?: string; address?: string | undefined; first?: AuthMethod; until: number };
  /** The challenge of this browser's current passkey ceremony. */
  passkeyChallenge?: { challenge: string; purpose: CeremonyPurpose; until: number };
  /** Two-step verification being set up: the new secret, sealed, until its first code confirms it. */
  totpSetup?: { sealedSecret: string; until: number };
}

export type CeremonyPurpose = "sign-in" | "add" | "confirm";

/** How long a half-done sign-in waits for its code, and a setup for its first code. */
export const pendingMs = 5 * 60_000;

export function stateOf(session: AnySession): AnySession & FactorSessionState {
  return session as AnySession & FactorSessionState;
}

/** The pending sign-in while it lasts. */
export function pendingSignIn(session: AnySession, now = Date.now()): FactorSessionState["pendingSignIn"] {
  const pending = stateOf(session).pendingSignIn;
  return pending && typeof pending.until === "number" && pending.until > now && typeof pending.user?.id === "string" ? pending : undefined;
}
