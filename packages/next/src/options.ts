import type { User } from "./session";

/** Your own users: called with what the person typed; the user to sign in, or null. Never throws for a wrong password. */
export type VerifyCredentials = (credentials: { username: string; password: string }) => Promise<User | null>;

/** What an app may choose, in `createIronlink(options)`. Everything the fleet must share comes from the environment. */
export interface IronlinkOptions {
  /**
   * Check sign-ins against your own users (an LDAP bind, your database, another service). Default: the
   * built-in users (scrypt hashes in the session store), which also allow registration and password changes.
   */
  verifyCredentials?: VerifyCredentials;
  /** Whether people may create accounts on this app. Default: true with the built-in users, false with `verifyCredentials`. */
  registration?: boolean;
  /** Pages the proxy sends straight to sign-in when no session cookie is present. Default: "/" and "/account". */
  protectedPaths?: string[];
  /**
   * This app's own origin (e.g. process.env.APP_URL), one of APP_ORIGINS. Needed only with `hostsSignIn: false`,
   * to send the person to the fleet's sign-in app and back.
   */
  publicUrl?: string;
  /** Whether this app serves /login. Default: true. With false, sign-in happens on LOGIN_URL and comes back here. */
  hostsSignIn?: boolean;
}

export interface ResolvedOptions {
  verifyCredentials: VerifyCredentials | undefined;
  registration: boolean;
  protectedPaths: ReadonlySet<string>;
  publicUrl: string | undefined;
  hostsSignIn: boolean;
}

const defaultProtectedPaths: ReadonlySet<string> = new Set(["/", "/account"]);

/**
 * The options with their defaults, held by the instance createIronlink() returns: the proxy, the route, the
 * pages and the app's server actions each import that instance from lib/ironlink.ts, so each sees them.
 */
export function resolveOptions(options: IronlinkOptions): ResolvedOptions {
  // Checked when the server starts (startup-check.ts), not here: `next build` evaluates lib/ironlink.ts too,
  // without the runtime environment that usually carries publicUrl.
  return {
    verifyCredentials: options.verifyCredentials,
    registration: options.registration ?? options.verifyCredentials === undefined,
    protectedPaths: options.protectedPaths ? new Set(options.protectedPaths) : defaultProtectedPaths,
    publicUrl: options.publicUrl?.replace(/\/$/, ""),
    hostsSignIn: options.hostsSignIn ?? true,
  };
}

/** What is wrong with the options for this fleet, or undefined. */
export function optionsProblem(options: ResolvedOptions, appOrigins: readonly string[]): string | undefined {
  if (options.hostsSignIn) return undefined;
  if (!options.publicUrl) return "createIronlink({ hostsSignIn: false }) needs `publicUrl`, this app's origin, to bring people back after sign-in.";
  let origin: string;
  try {
    origin = new URL(options.publicUrl).origin;
  } catch {
    return `publicUrl "${options.publicUrl}" is not a URL such as http://127.0.0.1:3000.`;
  }
  if (!appOrigins.includes(origin)) return `publicUrl's origin ${origin} must be one of APP_ORIGINS (${appOrigins.join(", ")}): the sign-in app sends people back only there.`;
  return undefined;
}
