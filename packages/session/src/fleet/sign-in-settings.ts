import { type Environment, readInteger } from "./config";

/**
 * The sign-in app's own settings, read with the fleet's (one place reads the environment): the sign-in
 * budgets (RATE_LIMIT_*) and the development demo account. Apps that host no sign-in ignore them.
 */
export interface RateLimits {
  /** Failed sign-ins for one username from one address; past it, that pair is refused for the window's rest. */
  perUsernameAndAddress: number;
  /** Failed sign-ins for one username from every address; past it, the username slows down (never locks). */
  perUsername: number;
  /** Failed sign-ins from one address, whatever the usernames (password spraying). */
  perAddress: number;
  /** Registrations from one address, successful or not (registering probes which names are taken). */
  registrationsPerAddress: number;
  /**
   * Sign-ins for one username from one address, right password or wrong: a success is not free (issue 22:
   * accounts that kept signing in filled the hashing queue). Past it, that pair is refused for the window's rest.
   */
  signInsPerUsernameAndAddress: number;
  /** Sign-ins for one username from every address, right password or wrong; past it, the username slows down (never locks). */
  signInsPerUsername: number;
  /** Seconds. */
  window: number;
}

export const rateLimitDefaults: RateLimits = {
  perUsernameAndAddress: 5,
  perUsername: 20,
  perAddress: 20,
  registrationsPerAddress: 10,
  // Every sign-in, right password or wrong: far above what a person does in a window (a sign-in on each
  // device, a few more after signing out), low enough that looping sign-ins stop within seconds.
  signInsPerUsernameAndAddress: 20,
  signInsPerUsername: 60,
  window: 15 * 60,
};

/** IRONLINK_DEMO_USER and IRONLINK_DEMO_PASSWORD (`npm run dev` sets them), outside production only. */
export type DemoAccount = { username: string; password: string } | undefined;

/**
 * IRONLINK_FRESH_AGE: seconds a sign-in stays fresh enough for sensitive changes (the password, passkeys,
 * two-step verification); older, the person proves it is them again first. At least 5, so a test can wait it out.
 */
export const freshAgeDefault = 600;

export function readFreshAge(env: Environment): number {
  return readInteger(env, "IRONLINK_FRESH_AGE", 5) ?? freshAgeDefault;
}

export function readDemoAccount(env: Environment): DemoAccount {
  const [username, password] = [env.IRONLINK_DEMO_USER, env.IRONLINK_DEMO_PASSWORD];
  return env.NODE_ENV !== "production" && username && password ? { username, password } : undefined;
}

const rateLimitVariables = {
  perUsernameAndAddress: "RATE_LIMIT_PER_USERNAME_AND_ADDRESS",
  perUsername: "RATE_LIMIT_PER_USERNAME",
  perAddress: "RATE_LIMIT_PER_ADDRESS",
  registrationsPerAddress: "RATE_LIMIT_REGISTRATIONS_PER_ADDRESS",
  signInsPerUsernameAndAddress: "RATE_LIMIT_SIGN_INS_PER_USERNAME_AND_ADDRESS",
  signInsPerUsername: "RATE_LIMIT_SIGN_INS_PER_USERNAME",
} as const;

export function readRateLimits(env: Environment): RateLimits {
  const limits = { window: readInteger(env, "RATE_LIMIT_WINDOW") ?? rateLimitDefaults.window } as RateLimits;
  for (const [field, name] of Object.entries(rateLimitVariables) as [keyof typeof rateLimitVariables, string][]) {
    limits[field] = readInteger(env, name, 1) ?? rateLimitDefaults[field];
  }
  return limits;
}
