import { randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import "@ironlink/testing"; // types inject("redisConnection")
import { regenerateSession, sessionInfo } from "@ironlink/session";
import { createFleet, type Fleet, readFleetConfig } from "@ironlink/session/fleet";

type Environment = Fleet.Environment;
type FleetUser = Fleet.User;
import express, { type Express } from "express";
import { afterAll, inject } from "vitest";
import { createIronlink, type Ironlink } from "../src/index";

export const password = "express-test-password-of-at-least-32-characters";
export const loginUrl = "http://127.0.0.1:5000";
/** The service's address as configured: the test servers listen elsewhere, so a URL built from Host would show. */
export const publicUrl = "http://127.0.0.1:9000";
export const appOrigins = [loginUrl, publicUrl, "https://app.example.test"];
export const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

const fleets: Fleet[] = [];
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers) await close();
  for (const fleet of fleets) {
    await fleet.redis?.del(`ironlink:fleet:${fleet.config.fleetName}`);
    await fleet.close();
  }
});

/** A fleet environment no other test file shares: its own fleet record and key prefix on the run's Redis. */
export function fleetEnv(overrides: Environment = {}): Environment {
  const id = randomUUID();
  return { SESSION_PASSWORD: password, APP_ORIGINS: appOrigins.join(","), LOGIN_URL: loginUrl, IRONLINK_FLEET: `express-${id}`, SESSION_KEY_PREFIX: `express-test:${id}:`, ...overrides };
}

/** One app's view of the fleet: another process reading the same environment, on the run's Redis. */
export function appOfFleet(env: Environment, appName = "another app"): Fleet {
  const config = { ...readFleetConfig(env), store: { kind: "redis" as const, redis: inject("redisConnection") } };
  const fleet = createFleet({ appName, env, config });
  fleets.push(fleet);
  return fleet;
}

/** A cookie store that keeps what the session writes, as the sign-in app's framework would. */
function cookieJar(value?: string) {
  const jar = {
    value,
    get: (_name: string) => (jar.value === undefined ? undefined : { value: jar.value }),
    set: (_name: string, written: string) => {
      jar.value = written;
    },
  };
  return jar;
}

/** Signs `user` in through `fleet` as the sign-in app does, and returns the session cookie's value. */
export async function signIn(fleet: Fleet, user: FleetUser, amr?: string[]): Promise<string> {
  const jar = cookieJar();
  const session = await fleet.sessions.getSession(jar);
  await regenerateSession(session);
  Object.assign(session, { user, signedInAt: Date.now(), signedInOn: "App One", userAgent: "test", ...(amr ? { amr } : {}) });
  await session.save();
  if (!jar.value) throw new Error("the session wrote no cookie");
  return jar.value;
}

/** What another app of the fleet sees for this cookie: the session's state and user. */
export async function seenBy(fleet: Fleet, cookie: string) {
  const session = await fleet.sessions.getSession(cookieJar(cookie));
  return { state: sessionInfo(session).state, user: session.user };
}

export const cookieHeader = (fleet: Fleet, ...values: string[]) => values.map((value) => `${fleet.config.cookieName}=${encodeURIComponent(value)}`).join("; ");

/**
 * A real Express app on an ephemeral port of 127.0.0.1, closed after the file's tests. Express's own error
 * handler answers what the routes do not (a 500), unless `routes` adds ironlink.handleStoreErrors().
 */
export async function startApp(routes: (app: Express) => void): Promise<string> {
  const app = express();
  routes(app);
  const server = await new Promise<ReturnType<Express["listen"]>>((resolve) => {
    const listening = app.listen(0, "127.0.0.1", () => resolve(listening));
  });
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** createIronlink over a fleet of the run's Redis, with its Redis client closed after the file's tests. */
export function ironlinkFor(env: Environment): Ironlink {
  return createIronlink({ appName: "Service", publicUrl, fleet: appOfFleet(env, "Service") });
}

/** A request with headers fetch() will not send as given (Host); resolves status and headers. */
export function rawRequest(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}
