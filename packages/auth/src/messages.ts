/** Every message a person may read, in one place so pages, actions and API answers agree. */
export const messages = {
  invalidInput: "Check the highlighted fields.",
  wrongCredentials: "Wrong username or password.",
  usernameTaken: "That username is taken. Choose another or sign in.",
  unavailable: "Sign-in is temporarily unavailable. Please try again in a moment.",
  expired: "Your session expired, please sign in again.",
  wrongCurrentPassword: "Your current password is not right.",
  signedOut: "You are not signed in.",
  crossSite: "Cross-site requests are not allowed.",
} as const;
