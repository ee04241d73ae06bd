/**
 * This app's name and colour, as `ironlinkNextConfig()` (next.config.ts) sets them: Next writes these two
 * values into the build where `process.env.IRONLINK_APP_NAME` is spelled out, so they are read here, once,
 * literally (config.ts reads the environment at run time). One default for every use.
 */
const givenName = process.env.IRONLINK_APP_NAME;

export const appIdentity = {
  /** Shown in the page title, the session list ("on Reports") and the fleet's messages. */
  name: givenName ?? "Ironlink",
  /** Whether the app gave its name: only then is it recorded for the sign-in page ("You will go back to …"). */
  named: givenName !== undefined,
  accent: process.env.IRONLINK_APP_ACCENT ?? "#2563eb",
} as const;
