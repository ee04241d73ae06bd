import { ironlink } from "./ironlink";

// App One's view of a field App Two keeps in the fleet's shared session (the project's seed: one app writes
// `request.session["usr"]`, another reads it). App Two sets the theme; this app applies it.

export type Theme = "light" | "dark";

/** The session fields this app reads beside the fleet's own: `createIronlink<Preferences>()` types them. */
export interface Preferences {
  theme: Theme;
}

/**
 * The theme the signed-in person chose on App Two; "light" for anyone else, and while the store does not
 * answer (getViewer says "unavailable" rather than throw, so the layout never fails for a theme).
 */
export async function currentTheme(): Promise<Theme> {
  const viewer = await ironlink.getViewer();
  if (viewer.status !== "signed-in") return "light";
  // The session getViewer just read (cached per request); only a known value is applied.
  const { theme } = await ironlink.getCurrentSession();
  return theme === "dark" ? "dark" : "light";
}
