/**
 * How a person proved it was them, as the session records it and the OpenID Provider reports it (`amr`,
 * RFC 8176): a password, a passkey (a hardware-bound key), a one-time code, and "mfa" when two factors were
 * used. A passkey that verified its user (a PIN or a fingerprint) is two factors in itself.
 */
export type AuthMethod = "pwd" | "hwk" | "otp" | "mfa";

const knownMethods: ReadonlySet<string> = new Set<AuthMethod>(["pwd", "hwk", "otp", "mfa"]);

/** The methods of a session's `amr`, whatever an older app wrote there; a session from before issue 26 signed in with a password. */
export function methodsOf(amr: unknown): AuthMethod[] {
  if (!Array.isArray(amr)) return ["pwd"];
  const methods = amr.filter((method): method is AuthMethod => typeof method === "string" && knownMethods.has(method));
  return methods.length ? methods : ["pwd"];
}

/** The methods of a sign-in or step-up that used `used`: each once, "mfa" added when two factors were used. */
export function combineMethods(used: readonly AuthMethod[], { userVerified = false } = {}): AuthMethod[] {
  const methods = [...new Set(used.filter((method) => method !== "mfa"))];
  const factors = methods.length + (methods.includes("hwk") && userVerified ? 1 : 0);
  return factors >= 2 ? [...methods, "mfa"] : methods;
}

/** How many factors the methods prove: 2 with "mfa", else 1. */
export function factorCount(amr: unknown): 1 | 2 {
  return methodsOf(amr).includes("mfa") ? 2 : 1;
}

/** Whether the latest proof (the sign-in or a step-up, epoch ms) is recent enough for a sensitive change. */
export function isFresh(authenticatedAt: unknown, freshAgeMs: number, now = Date.now()): boolean {
  return typeof authenticatedAt === "number" && now - authenticatedAt <= freshAgeMs && authenticatedAt <= now + 60_000;
}

const methodNames: Record<AuthMethod, string> = { pwd: "password", hwk: "passkey", otp: "authentication code", mfa: "" };

/** "password and authentication code": for the account page's list of sessions. */
export function describeMethods(amr: unknown): string {
  const names = methodsOf(amr)
    .map((method) => methodNames[method])
    .filter(Boolean);
  return names.join(" and ");
}
