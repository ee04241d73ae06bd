import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import { sessionCookieName } from "./env";
import { send } from "./http";
import { eventsPath } from "./live";
import { backLine, ironlinkLines, logProblems, unreachableLine } from "./outage-log";
import { PrivateFleet } from "./private-fleet";

/**
 * Redis stops while a page is reading the session, before the app can know (issue 23): that very first
 * page gets the kit's branded 503 page, not Next's error page; the app's log holds one line for the outage
 * and one for the recovery, even with a tab's live stream open (its own Redis connection), and the page
 * promises nothing about the session surviving (on a Redis without persistence it does not).
 */

test.describe.configure({ timeout: 120_000 });

const unavailableHeading = "<h1>Sign-in is temporarily unavailable</h1>";
const user = { username: `o${randomBytes(6).toString("hex")}`, password: `pw-${randomBytes(12).toString("base64url")}` };
let fleet: PrivateFleet | undefined;

test.afterAll(async () => {
  await fleet?.stop();
});

test.afterEach(async ({}, testInfo) => {
  if (fleet && testInfo.status !== testInfo.expectedStatus) {
    for (const app of fleet.apps) await testInfo.attach(`${app.process.name}.log`, { body: app.process.output, contentType: "text/plain" });
  }
});

test("Redis stops mid-page: that first page answers the branded 503, the log one line out and one back", async () => {
  fleet = await PrivateFleet.start({ apps: ["one"] });
  const app = fleet.apps[0]!;
  const register = await send(`${app.origin}/api/register`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(user) });
  expect(register.status, register.body).toBe(201);
  const cookie = register.headers.getSetCookie().find((value) => value.startsWith(`${sessionCookieName}=`))!.split(";")[0]!;
  const page = { headers: { cookie, accept: "text/html" } };
  expect((await send(`${app.origin}/`, page)).status).toBe(200);

  // A signed-in tab's live stream: the app holds a Redis connection of its own for it, through the outage.
  const tab = new AbortController();
  const stream = await fetch(`${app.origin}${eventsPath}`, { headers: { cookie }, signal: tab.signal });
  expect(stream.status).toBe(200);
  void stream.body?.pipeTo(new WritableStream()).catch(() => {});

  // Redis frozen, so the page's read of the session waits on it, then gone: the app learns of the outage
  // only after this page got past the proxy's check.
  fleet.redis!.signal("SIGSTOP");
  const firstPage = send(`${app.origin}/`, page);
  await sleep(500);
  await fleet.killRedis();
  const first = await firstPage;
  expect(first.status, first.body.slice(0, 400)).toBe(503);
  expect(first.headers.get("content-type")).toContain("text/html");
  expect(first.body).toContain(unavailableHeading);
  expect(first.body).not.toContain("This page couldn");
  // True on any Redis: nothing is promised about the session surviving.
  expect(first.body).not.toMatch(/\bsafe\b|session is kept|still signed in/i);
  for (const pathname of ["/", "/account"]) {
    const next = await send(`${app.origin}${pathname}`, page);
    expect(next.status, pathname).toBe(503);
    expect(next.body, pathname).toContain(unavailableHeading);
  }

  // Down for 5 s, then back: the app recovers by itself.
  await sleep(5_000);
  await fleet.startRedis();
  await expect.poll(async () => (await send(`${app.origin}/api/health`)).status, { timeout: 20_000 }).toBe(200);
  // Time for the live stream's connection to come back too (it retries at most every 2 s).
  await sleep(3_000);
  tab.abort();

  const log = app.process.output;
  expect(log).not.toContain("Unhandled error event");
  expect(logProblems(log)).toEqual([]);
  expect(ironlinkLines(log)).toEqual([unreachableLine(fleet.redisUrl), backLine(fleet.redisUrl)]);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
