import { SessionStoreUnavailableError } from "@ironlink/session";
import { FleetMismatchError } from "@ironlink/session/fleet";
import { appIdentity } from "./app-identity";
import { getConfig } from "./config";
import { getFleet } from "./fleet";
import { optionsProblem, type ResolvedOptions } from "./options";
import { announceSignInHost } from "./server/sign-in-host";

/**
 * A configuration error, or settings that differ from the fleet's, stop the server with what to fix; then,
 * in development, the demo account. A store that does not answer yet is no reason to refuse to start.
 */
export async function startupCheck(options: ResolvedOptions): Promise<void> {
  try {
    const problem = optionsProblem(options, getConfig().appOrigins);
    if (problem) throw new Error(problem);
    await getFleet().checkSettings();
    await nameThisApp(options);
  } catch (error) {
    if (error instanceof SessionStoreUnavailableError) {
      console.warn("ironlink: the session store did not answer, so this app's settings were not compared with the fleet's.");
    } else {
      const message = error instanceof FleetMismatchError ? error.message : `ironlink: configuration error: ${error instanceof Error ? error.message : String(error)}`;
      console.error(`\n${message}\n`);
      process.exit(1);
    }
  }
  await getFleet().accounts.seedDemoAccount();
  const hosts = hostsFleetSignIn(options);
  if (hosts) beatWhileUp();
  // ironlink-next's node:http layer serves the OpenID Provider for the sign-in app (server/oidc-server.ts).
  announceSignInHost(hosts ? getFleet() : undefined);
}

/** With a publicUrl, this app's name (IRONLINK_APP_NAME) is recorded: the sign-in page names it, not its host. */
async function nameThisApp({ publicUrl }: ResolvedOptions): Promise<void> {
  if (publicUrl && appIdentity.named) await getFleet().nameApp(publicUrl, appIdentity.name);
}

/** This app is the one LOGIN_URL names (or, without a publicUrl, one that hosts sign-in pages). */
function hostsFleetSignIn({ hostsSignIn, publicUrl }: ResolvedOptions): boolean {
  return hostsSignIn && (publicUrl === undefined || new URL(publicUrl).origin === getConfig().loginUrl);
}

// Apps on other sites look for this before sending people here, so a sign-in app that is down gets them a
// clear 503 at home instead of a browser error page.
function beatWhileUp(): void {
  const beat = () => getFleet().markSignInUp().catch(() => {});
  void beat();
  setInterval(beat, 5_000).unref();
}
