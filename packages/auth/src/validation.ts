/** Limits on what a person may type. Pure, so both the server actions and the API share them. */
export const usernameRules = { min: 3, max: 32, pattern: /^[a-z0-9][a-z0-9._-]*$/i } as const;
// The upper bound keeps a hostile multi-megabyte "password" from tying up scrypt.
export const passwordRules = { min: 8, max: 256 } as const;

export interface Credentials {
  username: string;
  password: string;
}

export type CredentialErrors = Partial<Record<keyof Credentials | "currentPassword" | "newPassword", string>>;

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

  const passwordError = checkPassword(password, forRegistration);
  if (passwordError) errors.password = passwordError;

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, credentials: { username, password } };
}

/** What is wrong with a password, if anything. New passwords must meet the length rules; old ones only be present. */
function checkPassword(password: string, isNew: boolean): string | undefined {
  if (!password) return "Enter a password.";
  if (password.length > passwordRules.max) return `Use at most ${passwordRules.max} characters.`;
  if (isNew && password.length < passwordRules.min) return `Use at least ${passwordRules.min} characters.`;
  if (/[\u0000-\u001f\u007f]/.test(password)) return "The password cannot contain control characters.";
  return undefined;
}

export type NewPasswordCheck =
  | { ok: true; currentPassword: string; newPassword: string }
  | { ok: false; errors: CredentialErrors };

/** The password-change form: the current password, and a new one that meets the rules and differs from it. */
export function checkNewPassword(input: { currentPassword?: unknown; newPassword?: unknown }): NewPasswordCheck {
  const currentPassword = typeof input.currentPassword === "string" ? input.currentPassword : "";
  const newPassword = typeof input.newPassword === "string" ? input.newPassword : "";
  const errors: CredentialErrors = {};
  const currentError = checkPassword(currentPassword, false);
  if (currentError) errors.currentPassword = currentError;
  const newError = checkPassword(newPassword, true) ?? (newPassword === currentPassword ? "Choose a password different from the current one." : undefined);
  if (newError) errors.newPassword = newError;
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, currentPassword, newPassword };
}

/** One account per name whatever its case: "Alice" and "alice" are the same person. */
export function canonicalUsername(username: string): string {
  return username.trim().toLowerCase();
}
