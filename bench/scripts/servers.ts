/**
 * The servers the bench runs, built and started one way wherever they are used: Next builds and `next
 * start` (the fixture, the bare Next peer), the real app one under its own `ironlink-next start`, and the
 * fleet's environment, shared by app one, the Express peer and this process (which mints the sessions).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { IronSession, SessionManager } from "@ironlink/session";
import { MemoryCookies } from "./cookie-store";
import { runToCompletion, spawnManaged, waitForHttp } from "./processes";

export const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..");
export const repoRoot = join(benchDir, "..");
export const appOneDir = join(repoRoot, "apps", "one");
export const nextBin = join(dirname(fileURLToPath(import.meta.resolve("next/package.json"))), "dist", "bin", "next");
const ironlinkNext = join(repoRoot, "node_modules", "@ironlink", "next", "bin", "ironlink-next.js");

type Log = (message: string) => void;

export interface Server {
  origin: string;
  pid: number;
  stop(): Promise<void>;
}

export interface ServerOptions {
  port: number;
  env: NodeJS.ProcessEnv;
  /** Polled until it answers 2xx, or `readyStatus`. */
  healthPath: string;
  readyStatus?: number;
  nodeArgs?: string[];
}

/** A Node server of ours on loopback, registered for cleanup; resolves once `healthPath` answers 200. */
export async function startServer(options: ServerOptions & { args: string[]; cwd: string }): Promise<Server> {
  const managed = spawnManaged(process.execPath, [...(options.nodeArgs ?? []), ...options.args], { cwd: options.cwd, env: options.env });
  const origin = `http://127.0.0.1:${options.port}`;
  await waitForHttp(origin + options.healthPath, managed, 60_000, options.readyStatus);
  return { origin, pid: managed.child.pid as number, stop: () => managed.stop() };
}

const listenArgs = (port: number) => ["--port", String(port), "--hostname", "127.0.0.1"];

/** `next start` of a built Next app in `dir`. */
export function startNext(options: ServerOptions & { dir: string }): Promise<Server> {
  return startServer({ ...options, cwd: options.dir, args: [nextBin, "start", ...listenArgs(options.port)] });
}

/** `next build` in `dir`, with the Next the bench installs. */
export async function nextBuild(dir: string, env: NodeJS.ProcessEnv, label: string, log: Log): Promise<void> {
  log(`next build (${label})…`);
  await runToCompletion(process.execPath, [nextBin, "build"], { cwd: dir, env });
}

/** App one as it ships: its own build, its start script (`ironlink-next start`), its proxy and everything. */
export function startAppOne(port: number, env: NodeJS.ProcessEnv): Promise<Server> {
  return startServer({ port, env, cwd: appOneDir, args: [ironlinkNext, "start", ...listenArgs(port)], healthPath: "/api/health" });
}

/**
 * App one's production build in apps/one/.next (`npm run build`, or the e2e suite's), made here (turbo,
 * packages first) when there is none or when app one or the packages it uses changed since: the bench
 * measures the code in the tree. Never rebuilt otherwise, since rewriting apps/one/.next pulls it from
 * under any app one already running from it. `also` adds turbo filters (the Express kit's build).
 */
export function ensureAppOneBuild({ skipBuild, log, also = [] }: { skipBuild: boolean; log: Log; also?: string[] }): void {
  const buildId = join(appOneDir, ".next", "BUILD_ID");
  const builtAt = existsSync(buildId) ? statSync(buildId).mtimeMs : 0;
  const changedAt = Math.max(...[appOneDir, join(repoRoot, "packages", "next"), join(repoRoot, "packages", "session")].map(newestSourceMtime));
  if (!skipBuild && (builtAt === 0 || changedAt > builtAt)) {
    log(`building app one (turbo${builtAt ? ": sources changed since its build" : ""})…`);
    const filters = ["@ironlink/app-one", ...also].map((name) => `--filter=${name}`);
    execFileSync("npx", ["turbo", "run", "build", ...filters, "--output-logs=errors-only"], { cwd: repoRoot, stdio: ["ignore", "ignore", "inherit"] });
  }
  log(`app one's build from ${statSync(buildId).mtime.toISOString()} (\`npm run build\` after changing packages/)`);
}

/** The newest modification time of a source file under `dir` (builds and dependencies left out). */
function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if ([".next", ".turbo", "node_modules", "dist"].includes(entry.name)) continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSourceMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The environment of a fleet on one private Redis: app one (the sign-in app, first of APP_ORIGINS) and any
 * other apps' origins. Only what the apps need, not this shell's environment.
 */
export function fleetEnv(redisUrl: string, appOne: string, others: string[] = []): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    REDIS_URL: redisUrl,
    SESSION_PASSWORD: `bench-fleet-${Math.random().toString(36).slice(2)}-0123456789abcdefghijklmnop`,
    APP_ONE_PORT: new URL(appOne).port,
    APP_ONE_URL: appOne,
    APP_ORIGINS: [appOne, ...others].join(","),
  };
}

/** A session written by `manager` as a sign-in writes it, and the Cookie header that carries it. */
export async function mintSession<T extends object>(manager: SessionManager<T>, cookieName: string, data: T): Promise<{ session: IronSession<T>; cookie: string }> {
  const cookies = new MemoryCookies();
  const session = await manager.getSession(cookies);
  Object.assign(session, data);
  await session.save();
  return { session, cookie: `${cookieName}=${cookies.get(cookieName)?.value}` };
}
