import { getConfig } from "./config";
import { ironlinkOptions } from "./options";

/**
 * Where to send an anonymous visitor of `path`: this app's /login, or, for an app that hosts no sign-in
 * page, the fleet's sign-in app with this app's absolute address to come back to.
 */
export function signInLocation(path: string): string {
  const { hostsSignIn, publicUrl } = ironlinkOptions();
  if (!hostsSignIn && !publicUrl) throw new Error("ironlink: createIronlink({ hostsSignIn: false }) needs `publicUrl`, this app's origin.");
  const next = hostsSignIn ? path : `${publicUrl}${path}`;
  return `${hostsSignIn ? "" : getConfig().loginUrl}/login?next=${encodeURIComponent(next)}`;
}
