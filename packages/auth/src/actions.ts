"use server";
import { redirect } from "next/navigation";
import { isSessionStoreUnavailable } from "@ironlink/session";
import { messages, register, signIn, signOut, type AccountResult } from "./account";
import { getCurrentSession } from "./dal";
import type { AuthFormState } from "./form-state";
import { safeNextPath } from "./safe-next-path";

// Next.js checks that a server action's Origin matches its Host, which is what makes these POSTs CSRF-safe.

export async function signInAction(_previous: AuthFormState, form: FormData): Promise<AuthFormState> {
  return submit(form, signIn);
}

export async function registerAction(_previous: AuthFormState, form: FormData): Promise<AuthFormState> {
  return submit(form, register);
}

export async function signOutAction(): Promise<AuthFormState> {
  try {
    await signOut(await getCurrentSession());
  } catch (error) {
    if (isSessionStoreUnavailable(error)) return { message: messages.unavailable };
    throw error;
  }
  redirect("/login");
}

async function submit(
  form: FormData,
  run: (session: Awaited<ReturnType<typeof getCurrentSession>>, input: { username?: unknown; password?: unknown }) => Promise<AccountResult>,
): Promise<AuthFormState> {
  const input = { username: form.get("username"), password: form.get("password") };
  const username = typeof input.username === "string" ? input.username.slice(0, 64) : "";
  let result: AccountResult;
  try {
    result = await run(await getCurrentSession(), input);
  } catch (error) {
    if (isSessionStoreUnavailable(error)) return { message: messages.unavailable, username };
    throw error;
  }
  if (!result.ok) return { message: result.message, fieldErrors: result.fieldErrors, username };
  // redirect() throws by design, so it stays outside the try above.
  redirect(safeNextPath(form.get("next")));
}
