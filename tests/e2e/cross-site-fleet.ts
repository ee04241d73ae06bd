import http from "node:http";
import path from "node:path";
import type { BrowserContext } from "@playwright/test";
import { Redis } from "ioredis";
import { appEnvironment } from "./env";
import { freePorts, ManagedProcess, PrivateFleet } from "./private-fleet";

/**
 * A private fleet whose apps have host names: app one, app two and the Express service, each listening on
 * 127.0.0.1 on a free port, each with a public URL on a `.test` name (`http://one.alpha.test:<port>`).
 * Chromium maps every `.test` name to 127.0.0.1 by itself (`--host-resolver-rules`, the "cross-site" project
 * of playwright.config.ts); nothing else resolves them: the servers only listen, and the test's own requests
 * below the browser (`loopback()`) connect to 127.0.0.1 and send the name in `Host`.
 *
 * Two topologies:
 * - "subdomains": `one.fleet.test`, `two.fleet.test`, `svc.fleet.test`, `COOKIE_DOMAIN=fleet.test`: one
 *   cookie for every app, no redirects between them.
 * - "sites": `one.alpha.test` (the sign-in app, `LOGIN_URL`), `two.beta.test`, `svc.gamma.test`, no
 *   `COOKIE_DOMAIN`: app two and the service are satellites, signed in through one-time codes.
 * - "secure": the same on `one.localhost`, `two.localhost`, `svc.localhost` with Secure cookies (`__Host-`
 *   prefixed), as in production: Chromium treats `*.localhost` as a secure context, whose plain-HTTP
 *   answers may set Secure and `__Host-` cookies (it refuses them from `.test` names), and resolves it itself.
 *
 * The store is a PrivateFleet's own Redis (started without its apps), so the fleet shares nothing with the
 * config's fleet or another spec's.
 */

export type Topology = "subdomains" | "sites" | "secure";
export type AppName = "one" | "two" | "service";

export const topologies = {
  subdomains: { one: "one.fleet.test", two: "two.fleet.test", service: "svc.fleet.test", cookieDomain: "fleet.test" },
  sites: { one: "one.alpha.test", two: "two.beta.test", service: "svc.gamma.test", cookieDomain: "" },
  secure: { one: "one.localhost", two: "two.localhost", service: "svc.localhost", cookieDomain: "" },
} as const satisfies Record<Topology, Record<AppName, string> & { cookieDomain: string }>;

export { hostResolverRules } from "./env";

/** The session cookie's name with COOKIE_SECURE=false (no `__Host-`/`__Secure-` prefix). */
export const plainSessionCookieName = "ironlink_session";
/** The satellite's short-lived verifier cookie, set by /api/ironlink/start (`__Host-` prefixed when Secure). */
export const handoffCookieName = "ironlink_handoff";
export const secureHandoffCookieName = `__Host-${handoffCookieName}`;

const repoRoot = path.resolve(__dirname, "../..");

interface FleetApp {
  name: AppName;
  host: string;
  port: number;
  /** `http://<host>:<port>`, the app's public origin. */
  origin: string;
  /** The running process; undefined while stopped. */
  process: ManagedProcess | undefined;
}

export class CrossSiteFleet {
  readonly apps: Record<AppName, FleetApp>;
  /** Every process this fleet started, the stopped ones included: their output is part of the record. */
  readonly runs: ManagedProcess[] = [];

  private constructor(
    readonly topology: Topology,
    /** Redis (and its directory); its apps list stays empty. */
    readonly store: PrivateFleet,
    ports: Record<AppName, number>,
    /** The environment of every app (the same for all three). */
    readonly env: NodeJS.ProcessEnv,
  ) {
    const hosts = topologies[topology];
    const app = (name: AppName): FleetApp => ({ name, host: hosts[name], port: ports[name], origin: `http://${hosts[name]}:${ports[name]}`, process: undefined });
    this.apps = { one: app("one"), two: app("two"), service: app("service") };
  }

  static async start(topology: Topology, overrides: Record<string, string> = {}): Promise<CrossSiteFleet> {
    const store = await PrivateFleet.start({ apps: [] });
    let fleet: CrossSiteFleet | undefined;
    try {
      const [one, two, service] = (await freePorts(3)) as [number, number, number];
      const env = { ...process.env, NODE_ENV: undefined, ...crossSiteEnvironment(topology, store.redisUrl, { one, two, service }), ...overrides };
      fleet = new CrossSiteFleet(topology, store, { one, two, service }, env);
      await Promise.all((["one", "two", "service"] as const).map((name) => fleet!.startApp(name)));
      return fleet;
    } catch (error) {
      if (fleet) await fleet.stop();
      else await store.stop();
      throw error;
    }
  }

  get one(): string {
    return this.apps.one.origin;
  }
  get two(): string {
    return this.apps.two.origin;
  }
  get service(): string {
    return this.apps.service.origin;
  }
  get redisUrl(): string {
    return this.store.redisUrl;
  }
  /** Host names of the fleet with their ports (`URL.host`): anything else is off the fleet. */
  get hosts(): string[] {
    return Object.values(this.apps).map((app) => new URL(app.origin).host);
  }

  /** Everything every process of the fleet wrote, Redis included. */
  get output(): string {
    return [...this.runs, ...this.store.redisRuns].map((run) => run.output).join("\n");
  }

  /** Starts one app (as `npm start` runs it, but on 127.0.0.1 only) and waits for its health route. */
  async startApp(name: AppName): Promise<void> {
    const app = this.apps[name];
    if (app.process?.running) return;
    const process =
      name === "service"
        ? new ManagedProcess("service", "node", ["server.js"], { cwd: path.join(repoRoot, "apps", "service"), env: { ...this.env, NODE_ENV: "production" } })
        : new ManagedProcess(`app-${name}`, "npx", ["ironlink-next", "start", "--port", String(app.port), "--hostname", "127.0.0.1"], {
            cwd: path.join(repoRoot, "apps", name),
            env: this.env,
          });
    app.process = process;
    this.runs.push(process);
    await waitForHealth(app, "/api/health");
  }

  /** Stops one app (SIGTERM, then SIGKILL): its port refuses connections until startApp(). */
  async stopApp(name: AppName): Promise<void> {
    await this.apps[name].process?.stop();
    this.apps[name].process = undefined;
  }

  async stop(): Promise<void> {
    await Promise.all(this.runs.map((run) => run.stop()));
    for (const app of Object.values(this.apps)) app.process = undefined;
    await this.store.stop();
  }
}

/**
 * The environment contract of a named fleet: appEnvironment() (one Redis, the pinned settings), then the
 * public URLs on host names, the three origins, the sign-in app, the cookie's domain, and a cookie that is
 * not Secure (plain HTTP), but for the "secure" topology.
 */
export function crossSiteEnvironment(topology: Topology, redisUrl: string, ports: Record<AppName, number>): Record<string, string> {
  const hosts = topologies[topology];
  const one = `http://${hosts.one}:${ports.one}`;
  const two = `http://${hosts.two}:${ports.two}`;
  const service = `http://${hosts.service}:${ports.service}`;
  return {
    ...appEnvironment({ redisUrl, appOnePort: ports.one, appTwoPort: ports.two, servicePort: ports.service }),
    APP_ONE_URL: one,
    APP_TWO_URL: two,
    SERVICE_URL: service,
    APP_ONE_PORT: String(ports.one),
    APP_TWO_PORT: String(ports.two),
    SERVICE_PORT: String(ports.service),
    APP_ORIGINS: [one, two, service].join(","),
    LOGIN_URL: new URL(one).origin,
    COOKIE_DOMAIN: hosts.cookieDomain,
    COOKIE_SECURE: topology === "secure" ? "true" : "false",
  };
}

export interface LoopbackAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Every Set-Cookie line. */
  setCookies: string[];
  location: string | undefined;
  body: string;
}

/**
 * One HTTP request to a fleet URL from the test itself: connects to 127.0.0.1 on the URL's port and sends
 * its host name in `Host`, as the browser would (nothing here resolves `.test`). Redirects are answers.
 */
export function loopback(
  url: string,
  { method = "GET", headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<LoopbackAnswer> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: "127.0.0.1",
        port: Number(target.port || 80),
        method,
        path: `${target.pathname}${target.search}`,
        headers: { Host: target.host, Connection: "close", ...(body === undefined ? {} : { "Content-Length": String(Buffer.byteLength(body)) }), ...headers },
        timeout: 15_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const setCookie = response.headers["set-cookie"] ?? [];
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            setCookies: setCookie,
            location: response.headers.location,
            body: Buffer.concat(chunks).toString(),
          });
        });
        response.on("error", reject);
      },
    );
    request.on("timeout", () => request.destroy(new Error(`${method} ${url}: no answer within 15 s`)));
    request.on("error", reject);
    if (body !== undefined) request.write(body);
    request.end();
  });
}

/** The Cookie header the browser context would send to `url`. */
export async function cookieHeader(context: BrowserContext, url: string): Promise<string> {
  return (await context.cookies(url)).map((cookie) => `${cookie.name}=${cookie.value}`).join("; ");
}

/** `name=value` of each Set-Cookie line, as a Cookie header. */
export function cookiesFromSetCookie(lines: string[]): string {
  return lines.map((line) => line.split(";")[0]!.trim()).join("; ");
}

/**
 * Whether the browser context is signed in on `app`, asked with the cookies it holds for that app:
 * the status of the Next apps' GET /api/session, or the service's GET /api/me (an API client's Accept,
 * so the service answers 401 instead of sending a browser to sign in).
 */
export async function sessionStatus(context: BrowserContext, fleet: CrossSiteFleet, app: AppName): Promise<{ status: number; body: string }> {
  const origin = fleet.apps[app].origin;
  const url = `${origin}${app === "service" ? "/api/me" : "/api/session"}`;
  const answer = await loopback(url, { headers: { Accept: "application/json", Cookie: await cookieHeader(context, url) } });
  return { status: answer.status, body: answer.body };
}

/** Creates an account through app one's API, outside any browser (signed out again at once). */
export async function registerAccount(fleet: CrossSiteFleet, user: { username: string; password: string }): Promise<void> {
  const headers = { "Content-Type": "application/json", Origin: fleet.one, Accept: "application/json" };
  const register = await loopback(`${fleet.one}/api/register`, { method: "POST", headers, body: JSON.stringify(user) });
  if (register.status !== 201) throw new Error(`POST /api/register: ${register.status} ${register.body}`);
  const logout = await loopback(`${fleet.one}/api/logout`, {
    method: "POST",
    headers: { ...headers, Cookie: cookiesFromSetCookie(register.setCookies) },
    body: "{}",
  });
  if (logout.status !== 200) throw new Error(`POST /api/logout: ${logout.status} ${logout.body}`);
}

/** Every key, and every value, of the fleet's Redis that contains `needle` (nothing, for a hashed code). */
export async function storeEntriesContaining(redisUrl: string, needle: string): Promise<string[]> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const found: string[] = [];
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "COUNT", "500");
      cursor = next;
      for (const key of keys) {
        if (key.includes(needle)) found.push(`key ${key}`);
        const type = await redis.type(key);
        const values =
          type === "string"
            ? [(await redis.get(key)) ?? ""]
            : type === "hash"
              ? Object.entries(await redis.hgetall(key)).flat()
              : type === "set"
                ? await redis.smembers(key)
                : type === "zset"
                  ? await redis.zrange(key, "0", "-1")
                  : type === "list"
                    ? await redis.lrange(key, 0, -1)
                    : [];
        if (values.some((value) => value.includes(needle))) found.push(`value of ${key}`);
      }
    } while (cursor !== "0");
    return found;
  } finally {
    redis.disconnect();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForHealth(app: FleetApp, healthPath: string, timeoutMs = 90_000): Promise<void> {
  const process = app.process!;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!process.running) throw new Error(`${process.name} exited (${JSON.stringify(process.exit)}):\n${process.output}`);
    try {
      if ((await loopback(`${app.origin}${healthPath}`)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${process.name} did not answer ${healthPath} within ${timeoutMs} ms:\n${process.output}`);
    await sleep(200);
  }
}
