import { messages } from "./messages";

/** Limits on what a person may type. Pure, so both the server actions and the API share them. */
export const usernameRules = { min: 3, max: 32, pattern: /^[a-z0-9][a-z0-9._-]*$/i } as const;
/**
 * New passwords, after NIST SP 800-63B §5.1.1 and OWASP ASVS V2.1: length rather than composition rules, any
 * Unicode, and no password an attacker would try first. Lengths are Unicode code points after NFKC, as a
 * person counts characters and as the password is hashed. The upper bound (every password, sign-in too)
 * keeps a hostile multi-megabyte "password" from tying up scrypt.
 */
export const passwordRules = { min: 12, max: 256 } as const;
/** The rule for new passwords in a sentence, under their fields (registration, password change). */
export const newPasswordHint = messages.newPasswordHint(passwordRules.min);

export interface Credentials {
  username: string;
  password: string;
}

/** Field errors by field: the credentials, the password change's, and a sign-in or step-up's `code`. */
export type CredentialErrors = Partial<Record<keyof Credentials | "currentPassword" | "newPassword" | "code", string>>;

export type CredentialCheck = { ok: true; credentials: Credentials } | { ok: false; errors: CredentialErrors };

/**
 * Checks untrusted input (form fields or JSON) of any type. `forRegistration` applies the rules for new
 * passwords; at sign-in a password only has to be present, so old passwords keep working when the rules change.
 */
export async function checkCredentials(input: { username?: unknown; password?: unknown }, forRegistration: boolean): Promise<CredentialCheck> {
  const errors: CredentialErrors = {};
  const username = typeof input.username === "string" ? input.username.trim() : "";
  const password = typeof input.password === "string" ? input.password : "";

  if (!username) errors.username = messages.usernameMissing;
  else if (username.length < usernameRules.min || username.length > usernameRules.max || !usernameRules.pattern.test(username)) {
    errors.username = messages.usernameInvalid(usernameRules.min, usernameRules.max);
  }

  const passwordError = forRegistration ? await checkNewPasswordRules(password, username) : checkPresentPassword(password);
  if (passwordError) errors.password = passwordError;

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, credentials: { username, password } };
}

export type NewPasswordCheck =
  | { ok: true; currentPassword: string; newPassword: string }
  | { ok: false; errors: CredentialErrors };

/** The password-change form of `username`: the current password, and a new one that meets the rules and differs from it. */
export async function checkNewPassword(input: { currentPassword?: unknown; newPassword?: unknown }, username: string): Promise<NewPasswordCheck> {
  const currentPassword = typeof input.currentPassword === "string" ? input.currentPassword : "";
  const newPassword = typeof input.newPassword === "string" ? input.newPassword : "";
  const errors: CredentialErrors = {};
  const currentError = checkPresentPassword(currentPassword);
  if (currentError) errors.currentPassword = currentError;
  const unchanged = normalizePassword(newPassword) === normalizePassword(currentPassword);
  const newError = (await checkNewPasswordRules(newPassword, username)) ?? (unchanged ? messages.passwordUnchanged : undefined);
  if (newError) errors.newPassword = newError;
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, currentPassword, newPassword };
}

export type FirstPasswordCheck = { ok: true; newPassword: string } | { ok: false; errors: CredentialErrors };

/** A passwordless person's first password (`newPassword`): the rules for new passwords, with no current one to give or differ from. */
export async function checkFirstPassword(input: { newPassword?: unknown }, username: string): Promise<FirstPasswordCheck> {
  const newPassword = typeof input.newPassword === "string" ? input.newPassword : "";
  const newError = await checkNewPasswordRules(newPassword, username);
  return newError ? { ok: false, errors: { newPassword: newError } } : { ok: true, newPassword };
}

/**
 * NFKC, the one normalisation of a password: the same password typed with composed or decomposed accents, or
 * full-width letters, is the same password. Hashing (users/password-hash.ts) and the rules both use it.
 */
export function normalizePassword(password: string): string {
  return password.normalize("NFKC");
}

/** One account per name whatever its case: "Alice" and "alice" are the same person. */
export function canonicalUsername(username: string): string {
  return looseForm(username);
}

/** What is wrong with a password given at sign-in or as the current one, if anything: it only has to be present and sane. */
function checkPresentPassword(password: string): string | undefined {
  if (!password) return messages.passwordMissing;
  const normalized = normalizePassword(password);
  if (codePoints(normalized) > passwordRules.max) return messages.passwordTooLong(passwordRules.max);
  if (/[\u0000-\u001f\u007f]/.test(normalized)) return messages.passwordControlCharacters;
  return undefined;
}

/** What is wrong with a new password of `username`, if anything: the first rule it breaks. */
async function checkNewPasswordRules(password: string, username: string): Promise<string | undefined> {
  const presentError = checkPresentPassword(password);
  if (presentError) return presentError;
  const normalized = normalizePassword(password);
  if (/^\p{White_Space}+$/u.test(normalized)) return messages.passwordOnlySpaces;
  if (codePoints(normalized) < passwordRules.min) return messages.passwordTooShort(passwordRules.min);
  if (looseForm(normalized) === canonicalUsername(username)) return messages.passwordIsUsername;
  if ((await commonPasswords()).has(looseForm(normalized))) return messages.passwordTooCommon;
  return undefined;
}

/** Characters as a person counts them: an emoji is one, not two UTF-16 units. */
function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** Case and surrounding spaces do not make a name, or a password compared with known ones, different. */
function looseForm(text: string): string {
  return text.trim().toLowerCase();
}

/**
 * The 49,233 most common passwords that @zxcvbn-ts/language-common ships (MIT; from leaked-password
 * corpora, the list zxcvbn rates passwords with), in their loose form. Loaded on the first new password, once
 * per module instance (a Next.js server has one for route handlers, one for pages and actions): 20–30 ms,
 * ~3 MiB of heap and 11 MiB of RSS on the 2-CPU dev machine. Sign-in never loads it.
 */
let commonPasswordSet: Promise<Set<string>> | undefined;
function commonPasswords(): Promise<Set<string>> {
  commonPasswordSet ??= import("@zxcvbn-ts/language-common/src/passwords.json", { with: { type: "json" } }).then(
    ({ default: list }) => new Set(list.map((password) => looseForm(normalizePassword(password)))),
  );
  return commonPasswordSet;
}
