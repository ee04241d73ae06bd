/**
 * Ports and origins of the private test fleet, shared by playwright.config.ts (which starts it) and the
 * tests (which talk to it). No Playwright imports here, so the config can load it without side effects.
 *
 * The defaults stay clear of `npm run dev` (Redis 6379, apps 5000 and 7000), so both can run at once.
 * Always 127.0.0.1, never localhost: cookies are host-only, and both apps must share the same host.
 */
function port(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`${name} must be a TCP port number (got "${raw}").`);
  return value;
}

export const ports = {
  redis: port("E2E_REDIS_PORT", 6479),
  appOne: port("E2E_APP_ONE_PORT", 5100),
  appTwo: port("E2E_APP_TWO_PORT", 7100),
} as const;

export const appOne = `http://127.0.0.1:${ports.appOne}`;
export const appTwo = `http://127.0.0.1:${ports.appTwo}`;
export const redisUrl = `redis://127.0.0.1:${ports.redis}`;

/** The apps' default cookie name; the config pins it so a developer's environment cannot change it. */
export const sessionCookieName = "ironlink_session";

/**
 * Session passwords of the test fleet, a rotation map `{ 1: old, 2: new }`: the apps seal with 2 and open
 * both, so tests can make seals "from before the rotation" with `{ 1: oldSessionPassword }` alone.
 * Throwaway secrets for the private test fleet only.
 */
export const oldSessionPassword = "ironlink-e2e-only-OLD-session-password-0123456789";
export const newSessionPassword = "ironlink-e2e-only-NEW-session-password-9876543210";
export const sessionPasswords: Record<string, string> = { 1: oldSessionPassword, 2: newSessionPassword };

/** Where the apps keep a session (`<prefix><storeKey>`) and each user's index (`<prefix>user:<userId>`). */
export const sessionKeyPrefix = "ironlink:session:";
