import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { SignInRateLimiter } from "../src/fleet/accounts/rate-limit";
import type { RateLimits } from "../src/fleet/sign-in-settings";
import { fileAttemptCounters } from "../src/fleet/accounts/storage/file-storage";

/**
 * The sign-in counters as files (SESSION_STORE=file), in a real directory (issue 22, weakness 5): refused
 * attempts leave nothing behind, a counter given back to zero is removed, and expired counters are swept.
 */
let base: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "ironlink-attempts-"));
});
afterAll(() => rm(base, { recursive: true, force: true }));

let dirs = 0;
const newDir = () => join(base, String(++dirs));
/** The counter files in `dir`: not the locks or temporary files of a write under way. */
const counterFiles = async (dir: string) => (await readdir(join(dir, "attempts")).catch(() => [] as string[])).filter((name) => !name.includes("."));
const limits: RateLimits = { perUsernameAndAddress: 5, perUsername: 10, perAddress: 3, registrationsPerAddress: 5, signInsPerUsernameAndAddress: 20, signInsPerUsername: 60, window: 900 };

// A few hundred locked file writes: seconds on a busy 2-core machine, beyond the default 10 s there.
test("100 refused sign-ins add at most a handful of files", async () => {
  const dir = newDir();
  const limiter = new SignInRateLimiter(fileAttemptCounters(dir), limits);
  // The address spends its failures on three names (each a counted failure: files for each).
  for (const name of ["ann", "ben", "cal"]) expect(await limiter.attempt(name, "203.0.113.9")).toEqual({ limited: false });
  const before = (await counterFiles(dir)).length;
  // Then sprays a hundred more names: every one refused.
  for (let i = 0; i < 100; i++) expect((await limiter.attempt(`spray-${i}`, "203.0.113.9")).limited).toBe(true);
  const after = (await counterFiles(dir)).length;
  expect(after - before).toBeLessThanOrEqual(3);
}, 60_000);

test("a count given back to zero leaves no file; a count above zero stays", async () => {
  const dir = newDir();
  const counters = fileAttemptCounters(dir);
  await counters.increment("a", 60_000);
  await counters.decrement("a");
  expect(await counterFiles(dir)).toEqual([]);
  await counters.increment("b", 60_000);
  await counters.increment("b", 60_000);
  await counters.decrement("b");
  expect((await counterFiles(dir)).length).toBe(1);
  expect(await counters.increment("b", 60_000)).toMatchObject({ count: 2 });
});

test("expired counters are swept: a window that is over leaves no file", async () => {
  const dir = newDir();
  const early = fileAttemptCounters(dir);
  for (const key of ["x", "y", "z"]) await early.increment(key, 200);
  await early.increment("kept", 60_000);
  expect((await counterFiles(dir)).length).toBe(4);
  await new Promise((resolve) => setTimeout(resolve, 400));
  // Another process's counters (a fresh sweep clock): their first count sweeps the directory, beside the count.
  await fileAttemptCounters(dir).increment("new", 60_000);
  const deadline = Date.now() + 5_000;
  while ((await counterFiles(dir)).length > 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
  expect((await counterFiles(dir)).length).toBe(2);
});
