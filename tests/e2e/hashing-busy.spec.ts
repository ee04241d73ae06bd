import { randomBytes } from "node:crypto";
import { maxConcurrentHashes, maxWaitingHashes } from "../../packages/next/src/users/hash-process";
import { expect, test, uniqueUser } from "./fixtures";
import { send } from "./http";
import { PrivateFleet } from "./private-fleet";

// A fleet of its own: a burst of sign-ins would turn other specs' sign-ins on the shared fleet into 503s.
let fleet: PrivateFleet;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  fleet = await PrivateFleet.start();
});

test.afterAll(async () => {
  await fleet?.stop();
});

const post = (url: string, body: unknown) => send(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

test("a burst of sign-ins past the hashing queue gets 503 busy with Retry-After at once, and a real sign-in works right after", async () => {
  const origin = fleet.apps[0]!.origin;
  const user = uniqueUser();
  const registered = await post(`${origin}/api/register`, user);
  expect(registered.status, registered.body).toBe(201);

  // Three times what one app hashes or queues at once (hash-process.ts), all for unknown names.
  const admitted = maxConcurrentHashes + maxWaitingHashes;
  const answers = await Promise.all(
    Array.from({ length: 3 * admitted }, () => post(`${origin}/api/login`, { username: `nobody${randomBytes(6).toString("hex")}`, password: "not-the-password" })),
  );
  const refused = answers.filter((answer) => answer.status === 503);
  const checked = answers.filter((answer) => answer.status !== 503);
  expect(refused.length).toBeGreaterThan(0);
  expect(checked.length).toBeGreaterThanOrEqual(admitted);
  for (const answer of refused) {
    expect(JSON.parse(answer.body)).toEqual({ error: "busy", message: "Too many sign-ins at once. Please try again in a few seconds." });
    expect(answer.headers.get("retry-after")).toBe("1");
  }
  for (const answer of checked) expect([answer.status, JSON.parse(answer.body).error]).toEqual([401, "invalid_credentials"]);
  // Refused without waiting in the queue: before the last admitted one was answered.
  expect(Math.max(...refused.map((answer) => answer.ms))).toBeLessThan(Math.max(...checked.map((answer) => answer.ms)));

  const signedIn = await post(`${origin}/api/login`, user);
  expect(signedIn.status, signedIn.body).toBe(200);
});
