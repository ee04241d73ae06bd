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
}

/** A kit form's server action: the app's submitForm bound to the form's name. */
export type FormAction = (previous: AuthFormState, data: FormData) => Promise<AuthFormState>;
