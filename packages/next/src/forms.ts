import "server-only";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { SessionStoreUnavailableError } from "@ironlink/session";
import type { Fleet } from "@ironlink/session/fleet";
import { fromFleet, originRefusal } from "./app-action";
import { messages } from "./messages";
import { getCurrentSession } from "./dal";
import { getFleet } from "./fleet";
import type { AuthFormState } from "./form-state";
import type { ResolvedOptions } from "./options";
import { requestContext } from "./request-context";
import { destinationAfterSignIn, otherAppName } from "./return-to";

/**
 * The kit's forms, run by `ironlink.submitForm(form, state, data)`. The app's own "use server" file
 * (lib/ironlink-actions.ts) makes that a server action, so a form runs on the app's instance and its options,
 * and the pages bind it to their form: `submitForm.bind(null, "signIn")`.
 *
 * Next.js checks that a server action's Origin has its Host, whatever the scheme; fromFleet() also wants the
 * exact origin (scheme, host, port) in APP_ORIGINS, like the route handlers.
 */
export type FormName = keyof typeof forms;

export function submitForm(options: ResolvedOptions, form: FormName, previous: AuthFormState, data: FormData): Promise<AuthFormState> {
  // A server action's arguments can be anything a request sends: only the kit's own forms run, on a form's data.
  if (typeof form !== "string" || !Object.hasOwn(forms, form) || !(data instanceof FormData)) return Promise.resolve({ message: messages.unknownForm });
  return forms[form](options, previous, data);
}

const forms = {
  signIn: async (options: ResolvedOptions, _previous: AuthFormState, form: FormData): Promise<AuthFormState> => {
    const result = await run(options, "signIn", form, ["username", "password"]);
    if (!result.ok) return failure(result, form);
    // redirect() throws by design, so it stays outside any try.
    redirect(await returnAddress(form));
  },
  register: async (options: ResolvedOptions, _previous: AuthFormState, form: FormData): Promise<AuthFormState> => {
    const result = await run(options, "register", form, ["username", "password"]);
    if (!result.ok) return failure(result, form);
    redirect(await returnAddress(form));
  },
  changePassword: async (options: ResolvedOptions, _previous: AuthFormState, form: FormData): Promise<AuthFormState> => {
    const result = await run(options, "changePassword", form, ["currentPassword", "newPassword"]);
    if (!result.ok) return failure(result, form);
    revalidatePath("/account");
    return { success: "Password changed. Your other sessions were signed out." };
  },
  /** Signs one of the user's other sessions out, in every app. */
  endSession: async (_options: ResolvedOptions, _previous: AuthFormState, form: FormData): Promise<AuthFormState> => {
    if (!(await fromFleet())) return {};
    try {
      await getFleet().accounts.endSession(await getCurrentSession(), form.get("publicId"));
    } catch (error) {
      if (!(error instanceof SessionStoreUnavailableError)) throw error;
    }
    revalidatePath("/account");
    return {};
  },
};

type AccountResult = Fleet.AccountResult;
/** The fleet's account flows a form runs. */
type AccountOperation = "signIn" | "register" | "changePassword";

async function run(options: ResolvedOptions, operation: AccountOperation, form: FormData, fields: string[]): Promise<AccountResult> {
  const input = Object.fromEntries(fields.map((field) => [field, form.get(field)]));
  const refused = await originRefusal();
  if (refused) return { ok: false, status: 403, error: "forbidden_origin", message: refused };
  try {
    const context = await requestContext();
    // Signing in for another app (`next` on it): the session says it was started there.
    const startedFrom = await otherAppName(form.get("next"), context.host);
    return await getFleet().accounts[operation](await getCurrentSession(), input, { ...context, ...(startedFrom ? { startedFrom } : {}) }, options);
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
