import "server-only";
import { isSessionStoreUnavailable } from "@ironlink/session";
import { getRedis } from "./redis";
import type { AppSession } from "./session";
import { UserStore, type User } from "./users";
import { checkCredentials, type CredentialErrors } from "./validation";

/**
 * Sign-in, registration and sign-out, written once. The server actions (forms) and the route handlers
 * (API clients) only translate these results into form state or HTTP answers.
 */
export type AccountResult =
  | { ok: true; user: User }
  | { ok: false; status: 400 | 401 | 409 | 503; error: string; message: string; fieldErrors?: CredentialErrors };

export const messages = {
  invalidInput: "Check the highlighted fields.",
  wrongCredentials: "Wrong username or password.",
  usernameTaken: "That username is taken. Choose another or sign in.",
  unavailable: "Sign-in is temporarily unavailable. Please try again in a moment.",
} as const;

const users = () => new UserStore(getRedis());

export function signIn(session: AppSession, input: { username?: unknown; password?: unknown }): Promise<AccountResult> {
  return withStoreErrors(async () => {
    const check = checkCredentials(input, false);
    if (!check.ok) return { ok: false, status: 400, error: "invalid_input", message: messages.invalidInput, fieldErrors: check.errors };
    const user = await users().verify(check.credentials.username, check.credentials.password);
    if (!user) return { ok: false, status: 401, error: "invalid_credentials", message: messages.wrongCredentials };
    await startSession(session, user);
    return { ok: true, user };
  });
}

export function register(session: AppSession, input: { username?: unknown; password?: unknown }): Promise<AccountResult> {
  return withStoreErrors(async () => {
    const check = checkCredentials(input, true);
    if (!check.ok) return { ok: false, status: 400, error: "invalid_input", message: messages.invalidInput, fieldErrors: check.errors };
    const created = await users().create(check.credentials.username, check.credentials.password);
    if (!created.ok) return { ok: false, status: 409, error: "username_taken", message: messages.usernameTaken, fieldErrors: { username: messages.usernameTaken } };
    await startSession(session, created.user);
    return { ok: true, user: created.user };
  });
}

/** Ends the session in Redis, so every app sees the user signed out on its next request. */
export async function signOut(session: AppSession): Promise<void> {
  await session.destroy();
}

// A fresh id at every sign-in: an id planted in the browser before sign-in is worthless after it.
async function startSession(session: AppSession, user: User): Promise<void> {
  await session.regenerate();
  session.user = user;
  session.signedInAt = Date.now();
  await session.save();
}

async function withStoreErrors(run: () => Promise<AccountResult>): Promise<AccountResult> {
  try {
    return await run();
  } catch (error) {
    if (isSessionStoreUnavailable(error)) return { ok: false, status: 503, error: "unavailable", message: messages.unavailable };
    throw error;
  }
}
