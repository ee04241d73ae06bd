import { generateKeyPairSync, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { defineConfig, devices } from "@playwright/test";
import {
  appEnvironment,
  appOne,
  appTwo,
  django,
  djangoEnvironment,
  fileFleet,
  hostResolverRules,
  localhostResolverRules,
  oidcProviderEnvironment,
  ports,
  redisUrl,
  service,
  timeoutFleet,
} from "./tests/e2e/env";

/**
 * End-to-end tests: a private Redis and both apps (`next start`, so run `turbo run build` first; the root
 * `npm run test:e2e` does both) and the Express service (apps/service). Ports default to
 * 6479 / 5100 / 7100 / 9100 and can be moved with E2E_REDIS_PORT, E2E_APP_ONE_PORT, E2E_APP_TWO_PORT and
 * E2E_SERVICE_PORT. The file-store fleet (both apps and the service on localhost, sessions in files) is on
 * 5101 / 7101 / 9101 (E2E_FILE_APP_ONE_PORT, E2E_FILE_APP_TWO_PORT, E2E_FILE_SERVICE_PORT). apps/django (Python's Django and Authlib, which scripts/system-tools.mjs installs), an
 * OpenID Connect client of app one, is on 8100 (E2E_DJANGO_PORT); the idle-timeout fleet of the
 * "oidc-timeout" project on 6480 / 5102 / 8101 (E2E_TIMEOUT_REDIS_PORT, E2E_TIMEOUT_APP_ONE_PORT,
 * E2E_TIMEOUT_DJANGO_PORT).
 */

// Redis keeps nothing on disk (--save "" --appendonly no), but it still wants a working directory.
// The config is loaded by the runner and by every worker; each removes its own directory when it exits.
const redisDir = fs.mkdtempSync(path.join(os.tmpdir(), "ironlink-e2e-redis-"));
process.on("exit", () => fs.rmSync(redisDir, { recursive: true, force: true }));

// Every app of the fleet gets the same environment (see appEnvironment): one Redis, one rotation map.
const appEnv = appEnvironment({ redisUrl, appOnePort: ports.appOne, appTwoPort: ports.appTwo, servicePort: ports.service });

// The file-store fleet, on localhost (WebAuthn refuses IP addresses): both apps and the service share this
// directory for sessions, accounts, factors and sign-in counters. Sign-ins stay fresh for sensitive changes
// for fileFleet.freshAgeSeconds only (step-up.spec.ts).
const sessionDir = fs.mkdtempSync(path.join(os.tmpdir(), "ironlink-e2e-files-"));
process.on("exit", () => fs.rmSync(sessionDir, { recursive: true, force: true }));
const fileAppEnv = {
  ...appEnvironment({ redisUrl, host: fileFleet.host, appOnePort: fileFleet.appOnePort, appTwoPort: fileFleet.appTwoPort, servicePort: fileFleet.servicePort }),
  SESSION_STORE: "file",
  SESSION_FILE_PATH: sessionDir,
  IRONLINK_FRESH_AGE: String(fileFleet.freshAgeSeconds),
};

// app one is the fleet's OpenID Provider for apps/django: a private signing key (RS256) and a client secret
// made for this run (the runner's load of the config starts the servers; a worker's copy is never used), and
// a data directory per Django for its file sessions and sid index, removed on exit like Redis's.
function throwawayDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}
const signingKey = { ...generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" }), kid: `e2e-${randomBytes(6).toString("hex")}`, alg: "RS256", use: "sig" };
const oidcJwks = JSON.stringify({ keys: [signingKey] });
const secret = () => randomBytes(32).toString("base64url"); // 43 characters: the provider wants at least 32

const djangoSecret = secret();
const appOneEnv = { ...appEnv, ...oidcProviderEnvironment({ djangoOrigin: django, clientSecret: djangoSecret, jwks: oidcJwks }) };
const djangoEnv = djangoEnvironment({ port: ports.django, issuer: appOne, clientSecret: djangoSecret, secretKey: secret(), dataDir: throwawayDir("ironlink-e2e-django-") });

// The idle-timeout fleet (oidc-django-timeout.spec.ts): the same Django client on its own port, at an app one
// whose sessions end after 60 s without a request, on a Redis of its own.
const timeoutRedisDir = throwawayDir("ironlink-e2e-timeout-redis-");
const timeoutDjangoSecret = secret();
const timeoutAppOneEnv = {
  ...appEnvironment({ redisUrl: timeoutFleet.redisUrl, appOnePort: ports.timeoutAppOne, appTwoPort: timeoutFleet.appTwoPort }),
  SESSION_IDLE_TIMEOUT: String(timeoutFleet.idleSeconds),
  ...oidcProviderEnvironment({ djangoOrigin: timeoutFleet.django, clientSecret: timeoutDjangoSecret, jwks: oidcJwks }),
};
const timeoutDjangoEnv = djangoEnvironment({
  port: ports.timeoutDjango,
  issuer: timeoutFleet.appOne,
  clientSecret: timeoutDjangoSecret,
  secretKey: secret(),
  dataDir: throwawayDir("ironlink-e2e-timeout-django-"),
});

const browser = {
  ...devices["Desktop Chrome"],
  // Debian's Chromium: `npx playwright install` cannot download browsers here.
  launchOptions: {
    // The browser scripts/system-tools.mjs checks for before the tests (npm test, .ci/run).
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  },
};

// The same Chromium, which maps every `.test` name to 127.0.0.1 by itself: fleets on host names (one.alpha.test,
// two.beta.test, …) whose servers only listen on 127.0.0.1 and never resolve a name.
const namedHostsBrowser = {
  ...browser,
  launchOptions: { ...browser.launchOptions, args: [...browser.launchOptions.args, hostResolverRules] },
};

// The same Chromium for the file-store fleet on localhost, which it always reaches at 127.0.0.1 (see
// localhostResolverRules); *.localhost names stay loopback, secure contexts of their own (passkeys.spec.ts).
const localhostBrowser = {
  ...browser,
  launchOptions: { ...browser.launchOptions, args: [...browser.launchOptions.args, localhostResolverRules] },
};

const stopGently = { signal: "SIGTERM", timeout: 5_000 } as const;

const privateFleetSpecs = /(client-address|hashing-busy|live-idle-timeout|live-settings|session-limits|store-outage)\.spec\.ts/;
const fileFleetSpecs = /(sso-file-store|passkeys|step-up)\.spec\.ts/;
const faultsSpec = /faults\.spec\.ts/;
const outsideAppsSpec = /outside-apps\.spec\.ts/;
const crossSiteSpecs = /cross-site(-subdomains|-secure)?\.spec\.ts/;
const oidcTimeoutSpec = /oidc-django-timeout\.spec\.ts/;

export default defineConfig({
  testDir: "tests/e2e",
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  reporter: process.env.CI ? [["list"]] : "list",
  use: {
    // Tests use absolute URLs for both apps; this only keeps Playwright from defaulting baseURL to the
    // Redis port (it does that for a webServer given by `port`).
    baseURL: appOne,
    // Recording a trace for every test costs about a fifth of the suite's time on 2 CPUs, and CI keeps only
    // what it prints: traces locally (kept for failed tests), none under CI; rerun a failure with --trace on.
    trace: process.env.CI ? "off" : "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    // Specs that start fleets of their own and flood them with password hashes: one at a time, so a flood in
    // one (its hashes run at the lowest CPU priority) cannot push another's sign-ins past its time limits.
    // Listed first, so the runner starts them at once beside the other worker's "chromium" specs instead of
    // after them all with one worker idle (the idle-timeout spec mostly waits).
    { name: "private-fleets", testMatch: privateFleetSpecs, use: browser, workers: 1 },
    // A fleet session's idle timeout reaching Django by back-channel: a real timeout, so a minute of waiting
    // (about 65 s in all) on the idle-timeout fleet the config starts with the others (no start-up in the
    // test). In the first phase, listed before "chromium", so it starts at once beside the first private
    // fleet: its minute of waiting takes one worker's slot while the first phase's work goes on beside it
    // (at most half its ~70 s on the suite, less while the other worker has the CPUs to itself). After
    // the faults spec instead (faults' dependencies), whose phase is short (about 20 s), it lengthened the
    // suite by the whole ~48 s it outlasted faults.
    { name: "oidc-timeout", testMatch: oidcTimeoutSpec, use: browser },
    { name: "chromium", testIgnore: [fileFleetSpecs, privateFleetSpecs, faultsSpec, outsideAppsSpec, crossSiteSpecs, oidcTimeoutSpec], use: browser },
    // The file-store fleet on localhost: single sign-on, passkeys (WebAuthn wants a host name) and step-up
    // (its short IRONLINK_FRESH_AGE).
    { name: "file-store", testMatch: fileFleetSpecs, use: localhostBrowser },
    // Redis killed and restarted under load, every answer within 2 s: after the specs above, with nothing
    // but the file-store specs beside it (a busy machine's wrong-password answers took 2.8-3 s beside them).
    { name: "faults", testMatch: faultsSpec, use: browser, dependencies: ["chromium", "private-fleets"] },
    // Installs and builds projects outside the workspace (minutes of npm and `next build`): after the specs
    // whose time limits that load could push, beside the demo fleet they all use.
    { name: "outside-apps", testMatch: outsideAppsSpec, use: browser, dependencies: ["faults"] },
    // Fleets of their own on host names (sibling subdomains; apps on different sites, signed in with one-time
    // codes): three more apps and a Redis each, on free ports, started by each worker that runs a spec's tests
    // (so both workers share the longest spec), after the timing-sensitive specs.
    { name: "cross-site", testMatch: crossSiteSpecs, use: namedHostsBrowser, dependencies: ["faults"] },
  ],
  webServer: [
    {
      name: "redis",
      command: `redis-server --port ${ports.redis} --bind 127.0.0.1 --save "" --appendonly no --dir ${JSON.stringify(redisDir)}`,
      port: ports.redis,
      reuseExistingServer: false,
      timeout: 120_000,
      gracefulShutdown: stopGently,
    },
    {
      name: "app-one",
      command: "npm run start -w @ironlink/app-one",
      // The fleet's sign-in app, so its OpenID Provider too (the other apps have no clients): ready once the
      // provider answers its discovery document (a 404 until it has started), not only the app.
      url: `${appOne}/.well-known/openid-configuration`,
      env: appOneEnv,
      reuseExistingServer: false,
      timeout: 120_000,
      gracefulShutdown: stopGently,
    },
    ...(["one", "two"] as const).map((app) => ({
      name: `file-store-app-${app}`,
      command: `npm run start -w @ironlink/app-${app}`,
      url: `${app === "one" ? fileFleet.appOne : fileFleet.appTwo}/api/health`,
      env: fileAppEnv,
      reuseExistingServer: false,
      timeout: 120_000,
      gracefulShutdown: stopGently,
    })),
    {
      name: "file-store-service",
      command: "npm run start -w @ironlink/service",
      url: `${fileFleet.service}/api/health`,
      env: { ...fileAppEnv, NODE_ENV: "production" },
      reuseExistingServer: false,
      timeout: 120_000,
      gracefulShutdown: stopGently,
    },
    {
      name: "app-two",
      command: "npm run start -w @ironlink/app-two",
      url: `${appTwo}/api/health`,
      env: appEnv,
      reuseExistingServer: false,
      timeout: 120_000,
      gracefulShutdown: stopGently,
    },
    {
      name: "service",
      command: "npm run start -w @ironlink/service",
      url: `${service}/api/health`,
      // As in production, like the apps under `next start`: the same Secure __Host- cookie.
      env: { ...appEnv, NODE_ENV: "production" },
      reuseExistingServer: false,
      timeout: 120_000,
      gracefulShutdown: stopGently,
    },
    {
      name: "django",
      command: "npm run start -w @ironlink/django",
      url: `${django}/health`,
      env: djangoEnv,
      reuseExistingServer: false,
      timeout: 120_000,
      gracefulShutdown: stopGently,
    },
    {
      name: "timeout-redis",
      command: `redis-server --port ${ports.timeoutRedis} --bind 127.0.0.1 --save "" --appendonly no --dir ${JSON.stringify(timeoutRedisDir)}`,
      port: ports.timeoutRedis,
      reuseExistingServer: false,
      timeout: 120_000,
      gracefulShutdown: stopGently,
    },
    {
      name: "timeout-app-one",
      command: "npm run start -w @ironlink/app-one",
      url: `${timeoutFleet.appOne}/.well-known/openid-configuration`,
      env: timeoutAppOneEnv,
      reuseExistingServer: false,
      timeout: 120_000,
      gracefulShutdown: stopGently,
    },
    {
      name: "timeout-django",
      command: "npm run start -w @ironlink/django",
      url: `${timeoutFleet.django}/health`,
      env: timeoutDjangoEnv,
      reuseExistingServer: false,
      timeout: 120_000,
      gracefulShutdown: stopGently,
    },
  ],
});
