import type { CredentialErrors } from "./validation";

/** What a sign-in or registration form shows after a submit that did not succeed. */
export interface AuthFormState {
  message?: string;
  fieldErrors?: CredentialErrors;
  /** The username typed, so the form keeps it; never the password. */
  username?: string;
}
