import Bowser from "bowser";

/**
 * A short name for a user agent, enough to tell one's own devices apart on /account: "Safari on iOS",
 * "Chrome on Windows". Parsed by bowser (a maintained parser) rather than by hand: hand-written matching
 * called an iPhone's Safari "Safari on macOS", since iOS user agents say "like Mac OS X".
 */
export function describeUserAgent(userAgent: string | undefined): string {
  if (!userAgent?.trim()) return "Unknown browser";
  const { browser, os } = Bowser.parse(userAgent);
  // A client that is no browser (curl, a script) is named by its first product token.
  const name = browser.name || /^[\w.-]{1,32}/.exec(userAgent.trim())?.[0] || "Browser";
  return os.name ? `${name} on ${os.name}` : name;
}
