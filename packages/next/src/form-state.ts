import type { Fleet } from "@ironlink/session/fleet";

/** Each field's error, by field name. */
type CredentialErrors = NonNullable<Extract<Fleet.AccountResult, { ok: false }>["fieldErrors"]>;

/** What a form shows after a submit: an error message and field errors, or a success message. */
export interface AuthFormState {
  message?: string;
  success?: string;
  fieldErrors?: CredentialErrors;
  /** The username typed, so the form keeps it; never a password. */
  username?: string;
  /** Why the form changed (the sign-in now asks for its code). */
  notice?: string;
  /** The sign-in's password was right and its code is asked next (two-step verification). */
  secondStep?: boolean;
  /** A passkey ceremony's options, JSON for @simplewebauthn/browser. */
  passkeyOptions?: string;
  /** Two-step verification being set up: the key to type, and its QR code as the SVG path of its dark modules (`size` modules wide). */
  twoStepSetup?: { setupKey: string; qr: { size: number; path: string } };
  /** Recovery codes, shown once. */
  recoveryCodes?: string[];
}

/** A kit form's server action: the app's submitForm bound to the form's name. */
export type FormAction = (previous: AuthFormState, data: FormData) => Promise<AuthFormState>;
