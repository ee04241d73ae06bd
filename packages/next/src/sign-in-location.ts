import { headers } from "next/headers";
import { fleetPaths } from "@ironlink/session/fleet";
import { getFleet } from "./fleet";
import { getConfig } from "./config";
import type { ResolvedOptions } from "./options";

/** Whether this app is on another site than the sign-in app's cookie reaches: then sign-in comes back with a code. */
export function isSatellite({ publicUrl }: ResolvedOptions): boolean {
  return publicUrl !== undefined && !getFleet().sharesSignInCookie(publicUrl);
}

/**
 * Where to send an anonymous visitor of `path`: this app's /login; for an app that hosts no sign-in page,
 * the fleet's sign-in app with this app's absolute address to come back to; for a satellite, its own
 * start of the cross-site sign-in.
 */
export function signInLocation(options: ResolvedOptions, path: string): string {
  if (isSatellite(options)) return fleetPaths.startUrl(path);
  const { hostsSignIn, publicUrl } = options;
  if (!hostsSignIn && !publicUrl) throw new Error("ironlink: createIronlink({ hostsSignIn: false }) needs `publicUrl`, this app's origin.");
  const next = hostsSignIn ? path : `${publicUrl}${path}`;
  return `${hostsSignIn ? "" : getConfig().loginUrl}/login?next=${encodeURIComponent(next)}`;
}

/**
 * Where the account page is: this app's /account, or the sign-in app's for an app that hosts no sign-in
 * pages (it has no /account of its own, and the kit must never link to a page the app does not have).
 */
export function accountLocation({ hostsSignIn }: ResolvedOptions): string {
  return hostsSignIn ? "/account" : `${getConfig().loginUrl}/account`;
}

/**
 * Where a signed-in person goes to add a second factor for `path` (requireUser({ factors: 2 })): the sign-in
 * app's /login with `factors=2`, which asks for a code or a passkey and comes back to this app's `path`.
 */
export async function secondFactorLocation({ publicUrl }: ResolvedOptions, path: string): Promise<string> {
  const { loginUrl } = getConfig();
  const here = publicUrl ?? `${new URL(loginUrl).protocol}//${(await headers()).get("host")}`;
  return `${loginUrl}/login?${new URLSearchParams({ next: `${new URL(here).origin}${path}`, factors: "2" })}`;
}

/**
 * Whether this request reached the fleet's sign-in app (LOGIN_URL's host): the passkey ceremonies and
 * two-step setup happen there only, since a passkey belongs to that host and no other app's origin may use it.
 */
export async function atSignInApp(): Promise<boolean> {
  return (await headers()).get("host") === new URL(getConfig().loginUrl).host;
}
