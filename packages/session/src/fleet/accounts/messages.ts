import { storeOutage } from "../outage";

/** What a person reads of the account flows (sign-in, registration, password change), whichever kit serves them: one home. */
export const messages = {
  invalidInput: "Check the highlighted fields.",
  wrongCredentials: "Wrong username or password.",
  usernameTaken: "That username is taken. Choose another or sign in.",
  /** The session store does not answer: the fleet's words, as on the 503 page. */
  unavailable: storeOutage.message,
  busy: "Too many sign-ins at once. Please try again in a few seconds.",
  wrongCurrentPassword: "Your current password is not right.",
  signedOutMeanwhile: "Your password was just changed, or all your sessions were signed out, while you signed in. Please sign in again.",
  signedOut: "You are not signed in.",
  registrationClosed: "Accounts are not created on this app.",
  passwordChangeElsewhere: "Your password is managed where your account lives, not here.",

  // Passkeys, two-step verification and step-up (factors/).
  enterCode: "Enter the code from your authenticator app, or one of your recovery codes.",
  wrongCode: "That code is not right, or was already used.",
  secondStepExpired: "Your sign-in took too long. Enter your username and password again.",
  wrongProof: "That is not right. Try again.",
  confirmItsYou: "Confirm it's you first: enter your password, use a passkey or enter a code.",
  passkeyRefused: "That passkey was not accepted. Try again, or sign in another way.",
  passkeyUnknown: "This passkey is not registered here. Sign in another way, then add it on your account page.",
  passkeyChallengeExpired: "That took too long. Please try again.",
  tooManyPasskeys: (max: number) => `You have ${max} passkeys, the most an account can have. Remove one first.`,
  passkeyNotFound: "That passkey is not on your account.",
  lastSignInMethod: "This is your only way to sign in. Add a password or another passkey first.",
  passkeyNeeded: "Add a passkey first: without a password, your passkeys are how you sign in.",
  twoStepAlreadyOn: "Two-step verification is already on.",
  twoStepOff: "Two-step verification is not on.",
  twoStepSetupExpired: "The setup took too long. Start again.",

  // Field errors. The limits come from validation.ts, where the rules are.
  usernameMissing: "Enter a username.",
  usernameInvalid: (min: number, max: number) => `Use ${min}–${max} letters, digits, dots, dashes or underscores, starting with a letter or digit.`,
  passwordMissing: "Enter a password.",
  passwordTooLong: (max: number) => `Use at most ${max} characters.`,
  passwordControlCharacters: "The password cannot contain control characters.",
  passwordTooShort: (min: number) => `Use at least ${min} characters.`,
  passwordOnlySpaces: "Your password cannot be only spaces.",
  passwordIsUsername: "Your password cannot be your username.",
  passwordTooCommon: "This password is too common: choose another.",
  passwordUnchanged: "Choose a password different from the current one.",
  /** Under the new-password fields, so the rule is known before the first try. */
  newPasswordHint: (min: number) => `At least ${min} characters. A few unrelated words make a good one; spaces, accents and emoji are fine.`,
} as const;
