import { randomBytes } from "node:crypto";
import { maxConcurrentHashes, maxWaitingHashes } from "../../packages/session/src/fleet/accounts/users/hash-limits";
import { expect, test, uniqueUser } from "./fixtures";
import { send } from "./http";
import { PrivateFleet } from "./private-fleet";

/** Sign-ins one account may make from one address in the window: RATE_LIMIT_SIGN_INS_PER_USERNAME_AND_ADDRESS of this spec's fleet. */
const signInBudget = 20;

// A fleet of its own: a burst of sign-ins would turn other specs' sign-ins on the shared fleet into 503s.
let fleet: PrivateFleet;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  fleet = await PrivateFleet.start({ env: { RATE_LIMIT_SIGN_INS_PER_USERNAME_AND_ADDRESS: String(signInBudget) } });
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

/** Statuses counted: { 200: n, 429: n, 503: n }. */
type Tally = Record<number, number>;
const tally = (counts: Tally, status: number) => {
  counts[status] = (counts[status] ?? 0) + 1;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("accounts that keep sign-ins in flight neither keep another user out nor sign in for free", async () => {
  test.setTimeout(180_000);
  const origin = fleet.apps[0]!.origin;
  const flooders = Array.from({ length: 4 }, () => uniqueUser());
  const other = uniqueUser();
  for (const user of [...flooders, other]) expect((await post(`${origin}/api/register`, user)).status).toBe(201);

  // Each flooding account keeps 4 sign-ins in flight, right password every time, until each has met 429
  // (its sign-in budget, RATE_LIMIT_SIGN_INS_PER_USERNAME_AND_ADDRESS, is spent) and the other user is done.
  const counts = flooders.map((): Tally => ({}));
  let otherDone = false;
  const stopAt = Date.now() + 120_000;
  const flooding = () => Date.now() < stopAt && !(otherDone && counts.every((c) => (c[429] ?? 0) > 0));
  const loops = flooders.flatMap((user, i) =>
    Array.from({ length: 4 }, async () => {
      while (flooding()) tally(counts[i] as Tally, (await post(`${origin}/api/login`, user)).status);
    }),
  );

  // Meanwhile another user signs in, again and again, from the same address as the flood.
  await sleep(1_000);
  const answers = [];
  for (let i = 0; i < 8; i++) {
    answers.push(await post(`${origin}/api/login`, other));
    await sleep(300);
  }
  otherDone = true;
  await Promise.all(loops);

  const theirs = counts.reduce((all, c) => {
    for (const [status, n] of Object.entries(c)) all[Number(status)] = (all[Number(status)] ?? 0) + n;
    return all;
  }, {} as Tally);
  const statuses = answers.map((answer) => answer.status);
  console.log(
    `sign-in flood: other user ${statuses.filter((s) => s === 200).length} x 200, ${statuses.filter((s) => s === 503).length} x 503 of ${statuses.length} ` +
      `(${answers.map((a) => a.ms.toFixed(0)).join(", ")} ms); flooding accounts ${JSON.stringify(theirs)}`,
  );
  // Within seconds, on a busy 2-core machine where the flood's refused sign-ins keep the server busy too.
  for (const answer of answers) {
    expect(answer.status, answer.body).toBe(200);
    expect(answer.ms).toBeLessThan(10_000);
  }
  // Their successes cost: each account signed in at most its budget in the window, then got 429.
  for (const c of counts) {
    expect(c[200] ?? 0).toBeLessThanOrEqual(signInBudget);
    expect(c[429] ?? 0).toBeGreaterThan(0);
  }
});
