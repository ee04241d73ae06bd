import { type ClientRequest, request as httpRequest, type IncomingMessage } from "node:http";
import { fleetPaths } from "@ironlink/session/fleet";
import { afterEach, beforeAll, expect, test } from "vitest";
import { appOfFleet, cookieHeader, fleetEnv, ironlinkFor, signIn, startApp } from "./helpers";

/**
 * Live sign-out's bounds through the Express kit (docs/live-signout.md): one cookie holds at most a few
 * event streams (429 beyond, with Retry-After) however many it asks for, and other people's streams still open.
 */
const env = fleetEnv({ IRONLINK_MAX_STREAMS: "50" });
const signInApp = appOfFleet(env, "App One");
const ironlink = ironlinkFor(env);

/** Another app of its own fleet, bounded to 3 streams per address, behind one trusted proxy hop. */
const officeEnv = fleetEnv({ IRONLINK_MAX_STREAMS_PER_ADDRESS: "3" });
const officeSignIn = appOfFleet(officeEnv, "App One");
const office = ironlinkFor(officeEnv);

let base: string;
let officeBase: string;
beforeAll(async () => {
  base = await startApp((app) => {
    app.use(ironlink.session());
  });
  officeBase = await startApp((app) => {
    app.set("trust proxy", 1);
    app.use(office.session());
  });
});

const open: ClientRequest[] = [];
afterEach(() => {
  for (const req of open.splice(0)) req.destroy();
});

/**
 * Asks for the event stream with `cookie` and resolves at its answer's headers; the stream stays open.
 * `from`: the client's address as the office app's trusted proxy forwards it.
 */
function askForStream(cookie: string, { at = base, from }: { at?: string; from?: string } = {}): Promise<IncomingMessage> {
  const headers = { cookie: cookieHeader(signInApp, cookie), accept: "text/event-stream", ...(from ? { "x-forwarded-for": from } : {}) };
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${at}${fleetPaths.events}`, { headers }, resolve);
    req.on("error", (error) => (open.includes(req) ? undefined : reject(error)));
    req.end();
    open.push(req);
  });
}

const body = (response: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = "";
    response.on("data", (chunk: Buffer) => (text += chunk.toString()));
    response.on("end", () => resolve(text));
  });

test("a fifth stream from one cookie gets 429 with Retry-After, while another person's stream still opens", async () => {
  const mallory = await signIn(signInApp, { id: "u-mallory", username: "mallory" });
  const alice = await signIn(signInApp, { id: "u-alice", username: "alice" });
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await askForStream(mallory)).statusCode ?? 0);
  expect(statuses).toEqual([200, 200, 200, 200]);

  const fifth = await askForStream(mallory);
  expect(fifth.statusCode).toBe(429);
  expect(fifth.headers["retry-after"]).toBe("30");
  expect(JSON.parse(await body(fifth))).toMatchObject({ error: "too_many_streams" });

  const other = await askForStream(alice);
  expect(other.statusCode).toBe(200);
  expect(other.headers["content-type"]).toMatch(/^text\/event-stream/);
});

test("a stream that goes away frees its place for the same cookie", async () => {
  const cookie = await signIn(signInApp, { id: "u-bob", username: "bob" });
  for (let i = 0; i < 4; i++) expect((await askForStream(cookie)).statusCode).toBe(200);
  expect((await askForStream(cookie)).statusCode).toBe(429);
  open[0]?.destroy();
  // The server hears of the closed connection shortly after.
  let status = 0;
  for (let tries = 0; tries < 50 && status !== 200; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const response = await askForStream(cookie);
    status = response.statusCode ?? 0;
    if (status !== 200) response.resume();
  }
  expect(status).toBe(200);
});

test("one address (req.ip, through the app's trusted proxy) gets IRONLINK_MAX_STREAMS_PER_ADDRESS streams, whoever asks, then 429", async () => {
  const cookies = [];
  for (const name of ["ann", "ben", "cal", "dee"]) cookies.push(await signIn(officeSignIn, { id: `u-${name}`, username: name }));
  const statuses = [];
  for (const cookie of cookies) statuses.push((await askForStream(cookie, { at: officeBase, from: "203.0.113.5" })).statusCode);
  expect(statuses).toEqual([200, 200, 200, 429]);
  expect((await askForStream(cookies[3] as string, { at: officeBase, from: "203.0.113.6" })).statusCode).toBe(200);
});
