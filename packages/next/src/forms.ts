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
import QRCode from "qrcode";
import { appIdentity } from "./app-identity";
import { describeUserAgent } from "./user-agent";

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
    // Two-step verification on: the same form asks for the code next.
    if (!result.ok && result.error === "second_factor_required") return { secondStep: true, notice: result.message };
    if (!result.ok) return failure(result, form);
    // redirect() throws by design, so it stays outside any try.
    redirect(await returnAddress(form));
  },
  /** The code of a sign-in waiting for its second step. */
  signInCode: async (options: ResolvedOptions, _previous: AuthFormState, form: FormData): Promise<AuthFormState> => {
    const result = await runFlow((accounts, session, context) => accounts.twoStep.verifySignInCode(session, { code: form.get("code") }, context, options), form);
    if (!result.ok) return { ...failure(result, form), secondStep: result.error !== "sign_in_again" };
    redirect(await returnAddress(form));
  },
  /** A passkey ceremony's options (`purpose`: sign-in, add, confirm), its challenge kept in this browser's session. */
  passkeyOptions: async (_options: ResolvedOptions, _previous: AuthFormState, form: FormData): Promise<AuthFormState> => {
    const purpose = form.get("purpose");
    if (purpose !== "sign-in" && purpose !== "add" && purpose !== "confirm") return { message: messages.unknownForm };
    const result = await runFlow((accounts, session) => accounts.passkeys.options(session, purpose), form);
    return result.ok ? { passkeyOptions: JSON.stringify(result.options) } : failure(result, form);
  },
  passkeySignIn: async (options: ResolvedOptions, _previous: AuthFormState, form: FormData): Promise<AuthFormState> => {
    const result = await runFlow((accounts, session, context) => accounts.passkeys.signIn(session, { response: parsedResponse(form) }, context, options), form);
    if (!result.ok) return failure(result, form);
    redirect(await returnAddress(form));
  },
  addPasskey: (_options: ResolvedOptions, _previous: AuthFormState, form: FormData) =>
    accountChange(form, "Passkey added.", async (accounts, session, context) => accounts.passkeys.add(session, { response: parsedResponse(form), name: describeUserAgent(context.userAgent) })),
  removePasskey: (_options: ResolvedOptions, _previous: AuthFormState, form: FormData) =>
    accountChange(form, "Passkey removed.", (accounts, session) => accounts.passkeys.remove(session, { id: form.get("id") })),
  /** A step-up's proof: `password`, `code`, or a passkey's `response`; with `next` (a page that asked for two factors), it goes there. */
  confirmIdentity: async (options: ResolvedOptions, _previous: AuthFormState, form: FormData): Promise<AuthFormState> => {
    const proof = form.has("response") ? { response: parsedResponse(form) } : { password: form.get("password"), code: form.get("code") ?? undefined };
    const changed = await accountChange(form, "Thanks: you can make changes now.", (accounts, session, context) => accounts.stepUp.confirm(session, proof, context, options));
    if (changed.success && form.has("next")) redirect(await returnAddress(form));
    return changed;
  },
  startTwoStep: async (_options: ResolvedOptions, _previous: AuthFormState, form: FormData): Promise<AuthFormState> => {
    const result = await runFlow((accounts, session) => accounts.twoStep.start(session, appIdentity.name), form);
    if (!result.ok) return failure(result, form);
    return { twoStepSetup: { setupKey: result.setupKey, qr: qrPath(result.uri) } };
  },
  confirmTwoStep: async (_options: ResolvedOptions, previous: AuthFormState, form: FormData): Promise<AuthFormState> => {
    const result = await runFlow((accounts, session) => accounts.twoStep.confirm(session, { code: form.get("code") }), form);
    if (!result.ok) return { ...failure(result, form), twoStepSetup: previous.twoStepSetup };
    revalidatePath("/account");
    return { success: "Two-step verification is on.", recoveryCodes: result.recoveryCodes };
  },
  turnOffTwoStep: (_options: ResolvedOptions, _previous: AuthFormState, form: FormData) =>
    accountChange(form, "Two-step verification is off.", (accounts, session) => accounts.twoStep.turnOff(session)),
  renewRecoveryCodes: async (_options: ResolvedOptions, _previous: AuthFormState, form: FormData): Promise<AuthFormState> => {
    const result = await runFlow((accounts, session) => accounts.twoStep.renewRecoveryCodes(session), form);
    if (!result.ok) return failure(result, form);
    return { success: "New recovery codes: the old ones no longer work.", recoveryCodes: result.recoveryCodes };
  },
  register: async (options: ResolvedOptions, _previous: AuthFormState, form: FormData): Promise<AuthFormState> => {
    const result = await run(options, "register", form, ["username", "password"]);
    if (!result.ok) return failure(result, form);
    redirect(await returnAddress(form));
  },
  /** The password changed (`currentPassword`, `newPassword`), or a passwordless person's first one set (`newPassword` only). */
  changePassword: async (options: ResolvedOptions, _previous: AuthFormState, form: FormData): Promise<AuthFormState> => {
    const input = { currentPassword: form.get("currentPassword"), newPassword: form.get("newPassword") };
    const result = await runFlow((accounts, session, context) => accounts.changePassword(session, input, context, options), form);
    if (!result.ok) return failure(result, form);
    revalidatePath("/account");
    return { success: result.firstPassword ? "Password set: you can sign in with it too." : "Password changed. Your other sessions were signed out." };
  },
  /** The person goes passwordless: their passkeys sign them in, and their other sessions end. */
  removePassword: (_options: ResolvedOptions, _previous: AuthFormState, form: FormData) =>
    accountChange(form, "You now sign in with your passkeys only.", (accounts, session) => accounts.removePassword(session)),
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
type AccountFailure = Extract<AccountResult, { ok: false }>;
type Accounts = ReturnType<typeof getFleet>["accounts"];
type Session = Awaited<ReturnType<typeof getCurrentSession>>;
type Context = Awaited<ReturnType<typeof requestContext>>;

/**
 * Runs one of the fleet's account flows for a form: the Origin checked against APP_ORIGINS first, and a store
 * that does not answer told as a message, never a 500.
 */
async function runFlow<R extends { ok: boolean }>(call: (accounts: Accounts, session: Session, context: Context) => Promise<R | AccountFailure>, form: FormData): Promise<R | AccountFailure> {
  const refused = await originRefusal();
  if (refused) return { ok: false, status: 403, error: "forbidden_origin", message: refused };
  try {
    const context = await requestContext();
    const startedFrom = await otherAppName(form.get("next"), context.host);
    return await call(getFleet().accounts, await getCurrentSession(), { ...context, ...(startedFrom ? { startedFrom } : {}) });
  } catch (error) {
    if (error instanceof SessionStoreUnavailableError) return { ok: false, status: 503, error: "unavailable", message: messages.unavailable };
    throw error;
  }
}

/** A change on the account page: its success message, and the page shown again with what changed. */
async function accountChange(form: FormData, success: string, call: Parameters<typeof runFlow<AccountResult>>[0]): Promise<AuthFormState> {
  const result = await runFlow(call, form);
  if (!result.ok) return failure(result, form);
  revalidatePath("/account");
  return { success };
}

/** A WebAuthn response the browser sent as JSON text; anything unreadable becomes undefined, which the flow refuses. */
function parsedResponse(form: FormData): unknown {
  const raw = form.get("response");
  if (typeof raw !== "string" || raw.length > 16 * 1024) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** The QR code of an otpauth:// URI (qrcode makes it) as one SVG path of its dark modules, which the page draws itself: no HTML to inject, no data: URL. */
function qrPath(uri: string): { size: number; path: string } {
  const { modules } = QRCode.create(uri, { errorCorrectionLevel: "M" });
  let path = "";
  for (let y = 0; y < modules.size; y++) for (let x = 0; x < modules.size; x++) if (modules.get(y, x)) path += `M${x} ${y}h1v1h-1z`;
  return { size: modules.size, path };
}
/** The fleet's account flows a form runs. */
type AccountOperation = "signIn" | "register";

function run(options: ResolvedOptions, operation: AccountOperation, form: FormData, fields: string[]): Promise<AccountResult> {
  const input = Object.fromEntries(fields.map((field) => [field, form.get(field)]));
  return runFlow((accounts, session, context) => accounts[operation](session, input, context, options), form);
}

/** Where the form asked to go after sign-in: this app, another app of the fleet, or another site's with a code. */
async function returnAddress(form: FormData): Promise<string> {
  return destinationAfterSignIn(await getCurrentSession(), form.get("next"), form.get("challenge"));
}

function failure(result: AccountFailure, form: FormData): AuthFormState {
  const username = form.get("username");
  return { message: result.message, fieldErrors: result.fieldErrors, username: typeof username === "string" ? username.slice(0, 64) : undefined };
}
