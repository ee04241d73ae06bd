const base = "http://ironlink.invalid";

/**
 * The path to return to after sign-in, if it stays on this site; "/" otherwise. Refuses protocol-relative
 * (`//evil`), backslash (`/\evil`, which browsers read as `//`), scheme (`javascript:`), encoded and
 * whitespace-smuggled variants, by resolving the value the way a browser would and checking the origin.
 */
export function safeNextPath(value: unknown, fallback = "/"): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 2048) return fallback;
  if (!value.startsWith("/") || value.startsWith("//")) return fallback;
  // Browsers treat "\" as "/" and drop tabs and newlines inside URLs; refuse both rather than guess.
  if (/[\\\u0000-\u001f\u007f\s]/.test(value)) return fallback;
  let decoded = value;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return fallback;
  }
  if (decoded.startsWith("//") || /[\\\u0000-\u001f\u007f]/.test(decoded)) return fallback;
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    return fallback;
  }
  if (url.origin !== base) return fallback;
  // Dot segments resolve away ("/.//evil", "/a/..//evil"): what is left must not be protocol-relative either.
  const path = url.pathname + url.search + url.hash;
  return path.startsWith("//") ? fallback : path;
}

export interface ReturnAddress {
  /** Where to send the person: a same-app path, or an absolute URL on one of the fleet's origins. */
  url: string;
  /** Set when `next` named a place outside the fleet, to tell the person why it was not followed. */
  refused?: true;
  /**
   * The host it named, when it had one (a URL's parsed host, never the raw text: the page must not print
   * attacker-chosen sentences). Unset for something that is no URL with a host (`javascript:…`).
   */
  refusedHost?: string;
}

/**
 * The return address after sign-in: a same-app path (as safeNextPath), or an absolute URL whose origin is
 * exactly one of `appOrigins` (scheme, host and port), its path normalised the same way. Anything else
 * comes back as "/" with `refusedHost`, never followed.
 */
export function safeReturnAddress(value: unknown, appOrigins: readonly string[]): ReturnAddress {
  if (typeof value !== "string" || !/^[a-z][a-z0-9+.-]*:/i.test(value)) return { url: safeNextPath(value) };
  const host = hostOf(value);
  const refused: ReturnAddress = { url: "/", refused: true, ...(host ? { refusedHost: host } : {}) };
  if (value.length > 2048 || /[\\\u0000-\u001f\u007f\s]/.test(value)) return refused;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return refused;
  }
  // `https:evil.example` parses as https://evil.example/: the value must spell its origin out in full.
  if (!appOrigins.includes(url.origin) || !(value === url.origin || value.startsWith(`${url.origin}/`) || value.startsWith(`${url.origin}?`))) {
    return refused;
  }
  return { url: url.origin + safeNextPath(url.pathname + url.search + url.hash) };
}

function hostOf(value: string): string | undefined {
  try {
    return new URL(value).host || undefined;
  } catch {
    return undefined;
  }
}
