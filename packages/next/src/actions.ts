"use server";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { SessionStoreUnavailableError } from "@ironlink/session";
import { type AccountResult, changePassword, register, revokeOwnSession, signIn } from "./account";
import { fromFleet, originRefusal } from "./app-action";
import { messages } from "./messages";
import { getCurrentSession } from "./dal";
import type { AuthFormState } from "./form-state";
import { requestContext } from "./request-context";
import { destinationAfterSignIn, otherAppName } from "./return-to";
import type { AppSession } from "./session";

// Next.js checks that a server action's Origin has its Host, whatever the scheme; fromFleet() also wants the
// exact origin (scheme, host, port) in APP_ORIGINS, like the route handlers.

type AccountOperation = (session: AppSession, input: Record<string, unknown>, context: Awaited<ReturnType<typeof requestContext>>) => Promise<AccountResult>;

export async function signInAction(_previous: AuthFormState, form: FormData): Promise<AuthFormState> {
  const result = await run(signIn, form, ["username", "password"]);
  if (!result.ok) return failure(result, form);
  // redirect() throws by design, so it stays outside any try.
  redirect(await returnAddress(form));
}

export async function registerAction(_previous: AuthFormState, form: FormData): Promise<AuthFormState> {
  const result = await run(register, form, ["username", "password"]);
  if (!result.ok) return failure(result, form);
  redirect(await returnAddress(form));
}

export async function changePasswordAction(_previous: AuthFormState, form: FormData): Promise<AuthFormState> {
  const result = await run(changePassword, form, ["currentPassword", "newPassword"]);
  if (!result.ok) return failure(result, form);
  revalidatePath("/account");
  return { success: "Password changed. Your other sessions were signed out." };
}

/** Signs one of the user's other sessions out, in every app. */
export async function revokeSessionAction(form: FormData): Promise<void> {
  if (!(await fromFleet())) return;
  try {
    await revokeOwnSession(await getCurrentSession(), form.get("publicId"));
  } catch (error) {
    if (!(error instanceof SessionStoreUnavailableError)) throw error;
  }
  revalidatePath("/account");
}

async function run(operation: AccountOperation, form: FormData, fields: string[]): Promise<AccountResult> {
  const input = Object.fromEntries(fields.map((field) => [field, form.get(field)]));
  const refused = await originRefusal();
  if (refused) return { ok: false, status: 403, error: "forbidden_origin", message: refused };
  try {
    const context = await requestContext();
    // Signing in for another app (`next` on it): the session says it was started there.
    const startedFrom = await otherAppName(form.get("next"), context.host);
    return await operation(await getCurrentSession(), input, { ...context, ...(startedFrom ? { startedFrom } : {}) });
  } catch (error) {
    if (error instanceof SessionStoreUnavailableError) return { ok: false, status: 503, error: "unavailable", message: messages.unavailable };
    throw error;
  }
}

/** Where the form asked to go after sign-in: this app, another app of the fleet, or another site's with a code. */
async function returnAddress(form: FormData): Promise<string> {
  return destinationAfterSignIn(await getCurrentSession(), form.get("next"), form.get("challenge"));
}

function failure(result: Extract<AccountResult, { ok: false }>, form: FormData): AuthFormState {
  const username = form.get("username");
  return { message: result.message, fieldErrors: result.fieldErrors, username: typeof username === "string" ? username.slice(0, 64) : undefined };
}
