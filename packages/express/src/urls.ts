import { type Fleet, FleetConfigError } from "@ironlink/session/fleet";

type FleetConfig = Fleet.Config;

/**
 * Checks `publicUrl`, the address browsers use for this app: its origin must be one of APP_ORIGINS, since the
 * sign-in page only sends people back to those. Returns it without a trailing slash; a wrong one throws
 * FleetConfigError, as a wrong setting of the fleet does, saying what to set.
 */
export function readPublicUrl(publicUrl: string | undefined, config: FleetConfig): string {
  if (!publicUrl?.trim()) {
    throw new FleetConfigError("ironlink: createIronlink needs publicUrl, the address browsers use for this app (e.g. https://service.example.com).");
  }
  let url: URL;
  try {
    url = new URL(publicUrl.trim());
  } catch {
    throw new FleetConfigError(`ironlink: publicUrl "${publicUrl}" is not an absolute URL such as https://service.example.com.`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new FleetConfigError(`ironlink: publicUrl "${publicUrl}" must be an origin, optionally with a path, without query, fragment or credentials.`);
  }
  if (!config.appOrigins.includes(url.origin)) {
    throw new FleetConfigError(
      `ironlink: this app's origin ${url.origin} (from publicUrl) is not in APP_ORIGINS (${config.appOrigins.join(", ")}). Add it to APP_ORIGINS of every app of the fleet, or the sign-in page will not send people back here.`,
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/**
 * The absolute address of a path of this app, built on `publicUrl` and never on the Host header, which
 * the client chooses. A path that would leave the origin (an absolute-form request target) becomes `/`.
 */
export function absoluteUrl(publicUrl: string, path: string): string {
  const origin = new URL(publicUrl).origin;
  const candidate = `${publicUrl}${path.startsWith("/") ? path : "/"}`;
  try {
    if (new URL(candidate).origin === origin) return candidate;
  } catch {
    // not a URL at all: fall through to the app's root
  }
  return `${publicUrl}/`;
}

/** The fleet's sign-in page, with the address to come back to once signed in. */
export function signInUrl(config: FleetConfig, returnTo: string): string {
  return `${config.loginUrl}/login?next=${encodeURIComponent(returnTo)}`;
}
