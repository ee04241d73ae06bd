import type { CredentialErrors } from "./validation";

/** What a form shows after a submit: an error message and field errors, or a success message. */
export interface AuthFormState {
  message?: string;
  success?: string;
  fieldErrors?: CredentialErrors;
  /** The username typed, so the form keeps it; never a password. */
  username?: string;
}
