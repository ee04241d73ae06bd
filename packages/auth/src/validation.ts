/** Limits on what a person may type. Pure, so both the server actions and the API share them. */
export const usernameRules = { min: 3, max: 32, pattern: /^[a-z0-9][a-z0-9._-]*$/i } as const;
// The upper bound keeps a hostile multi-megabyte "password" from tying up scrypt.
export const passwordRules = { min: 8, max: 256 } as const;

export interface Credentials {
  username: string;
  password: string;
}

export type CredentialErrors = Partial<Record<keyof Credentials, string>>;

export type CredentialCheck = { ok: true; credentials: Credentials } | { ok: false; errors: CredentialErrors };

/**
 * Checks untrusted input (form fields or JSON) of any type. `forRegistration` applies the password rules;
 * at sign-in a password only has to be present, so old passwords keep working if the rules change.
 */
export function checkCredentials(input: { username?: unknown; password?: unknown }, forRegistration: boolean): CredentialCheck {
  const errors: CredentialErrors = {};
  const username = typeof input.username === "string" ? input.username.trim() : "";
  const password = typeof input.password === "string" ? input.password : "";

  if (!username) errors.username = "Enter a username.";
  else if (username.length < usernameRules.min || username.length > usernameRules.max || !usernameRules.pattern.test(username)) {
    errors.username = `Use ${usernameRules.min}–${usernameRules.max} letters, digits, dots, dashes or underscores, starting with a letter or digit.`;
  }

  if (!password) errors.password = "Enter a password.";
  else if (password.length > passwordRules.max) errors.password = `Use at most ${passwordRules.max} characters.`;
  else if (forRegistration && password.length < passwordRules.min) errors.password = `Use at least ${passwordRules.min} characters.`;
  else if (/[\u0000-\u001f\u007f]/.test(password)) errors.password = "The password cannot contain control characters.";

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, credentials: { username, password } };
}

/** One account per name whatever its case: "Alice" and "alice" are the same person. */
export function canonicalUsername(username: string): string {
  return username.trim().toLowerCase();
}
