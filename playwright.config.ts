import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { defineConfig, devices } from "@playwright/test";
import { appOne, appTwo, ports, redisUrl, sessionCookieName, sessionPasswords } from "./tests/e2e/env";

/**
 * End-to-end tests: a private Redis and both apps (`next start`, so run `turbo run build` first; the root
 * `npm run test:e2e` does both). Ports default to 6479 / 5100 / 7100 and can be moved with
 * E2E_REDIS_PORT, E2E_APP_ONE_PORT and E2E_APP_TWO_PORT.
 */

// Redis keeps nothing on disk (--save "" --appendonly no), but it still wants a working directory.
// The config is loaded by the runner and by every worker; each removes its own directory when it exits.
const redisDir = fs.mkdtempSync(path.join(os.tmpdir(), "ironlink-e2e-redis-"));
process.on("exit", () => fs.rmSync(redisDir, { recursive: true, force: true }));

const appEnv = {
  REDIS_URL: redisUrl,
  // A rotation map (fixed secrets for the throwaway fleet; both apps must share it): the apps seal with
  // id 2 and still open seals made with id 1, which the rotation tests make themselves.
  SESSION_PASSWORD: JSON.stringify(sessionPasswords),
  APP_ONE_PORT: String(ports.appOne),
  APP_TWO_PORT: String(ports.appTwo),
  APP_ORIGINS: [appOne, appTwo].join(","),
  APP_ONE_URL: appOne,
  APP_TWO_URL: appTwo,
  NEXT_TELEMETRY_DISABLED: "1",
  // Pinned, so a developer's shell cannot change what the tests expect ("" means the app default:
  // host-only cookie, Secure under `next start`, 30-minute idle and 12-hour absolute timeouts, a cookie
  // that lives as long as the absolute timeout, 5 failed sign-ins per username in 15 minutes, and
  // migration of stateless iron-session cookies on).
  SESSION_COOKIE_NAME: sessionCookieName,
  COOKIE_DOMAIN: "",
  COOKIE_SECURE: "",
  SESSION_TTL: "",
  SESSION_IDLE_TIMEOUT: "",
  SESSION_ABSOLUTE_TIMEOUT: "",
  RATE_LIMIT_PER_USERNAME: "",
  RATE_LIMIT_WINDOW: "",
  MIGRATE_IRON_SESSION_COOKIES: "",
  // Every test signs in from 127.0.0.1, and many try wrong passwords on purpose, in parallel: the
  // per-address limit (default 20) would trip across unrelated tests. The per-username limit stays 5.
  RATE_LIMIT_PER_ADDRESS: "1000",
  // One Redis node: a Cluster or Sentinel setting in the developer's shell would win over REDIS_URL.
  REDIS_CLUSTER_NODES: "",
  REDIS_SENTINELS: "",
  REDIS_SENTINEL_NAME: "",
};

const stopGently = { signal: "SIGTERM", timeout: 5_000 } as const;

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
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        // Debian's Chromium: `npx playwright install` cannot download browsers here.
        launchOptions: {
          executablePath: "/usr/bin/chromium",
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
      },
    },
  ],
  // Started in array order, each one ready before the next starts: Redis first, then the apps. The apps
  // would cope with Redis arriving later anyway (ioredis reconnects; /api/health answers 503 until then).
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
      url: `${appOne}/api/health`,
      env: appEnv,
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
  ],
});
