import { type Environment, type FleetConfig, processWide, readFleetConfig, readInteger } from "@ironlink/session/fleet";
import type { RateLimits } from "./rate-limit";

/**
 * Everything the sign-in app reads from its environment: the fleet's shared settings
 * (`@ironlink/session/fleet`, which every app of the fleet reads the same way) and the sign-in limits.
 */
export interface IronlinkConfig extends FleetConfig {
  /** Attempts allowed in `rateLimit.window` seconds (see rate-limit.ts for what each counts). */
  rateLimit: RateLimits;
  /** IRONLINK_DEMO_USER and IRONLINK_DEMO_PASSWORD (`npm run dev` sets them), outside production only: dev-seed.ts. */
  demoAccount: { username: string; password: string } | undefined;
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

export function readConfig(env: Environment = process.env): IronlinkConfig {
  return { ...readFleetConfig(env), rateLimit: readRateLimits(env), demoAccount: readDemoAccount(env) };
}

/**
 * The process's configuration, read once. Throws FleetConfigError with what to fix. One per process
 * (processWide), as the fleet is: instrumentation, the proxy and the routes are bundled apart, and all must
 * see the one object the fleet's settings check may complete (a COOKIE_SECURE left to the fleet).
 */
export function getConfig(): IronlinkConfig {
  return processWide("ironlink.next.config", () => readConfig());
}

function readDemoAccount(env: Environment): IronlinkConfig["demoAccount"] {
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

function readRateLimits(env: Environment): RateLimits {
  const limits = { window: readInteger(env, "RATE_LIMIT_WINDOW") ?? rateLimitDefaults.window } as RateLimits;
  for (const [field, name] of Object.entries(rateLimitVariables) as [keyof typeof rateLimitVariables, string][]) {
    limits[field] = readInteger(env, name, 1) ?? rateLimitDefaults[field];
  }
  return limits;
}
