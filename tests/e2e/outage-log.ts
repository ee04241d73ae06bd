import { expect } from "@playwright/test";
import { stackTrace } from "./http";

/**
 * What an app's log may hold across a Redis outage (faults.spec.ts, store-outage.spec.ts): one line when Redis
 * goes, one when it is back, and nothing that betrays an unhandled error.
 */

/** Log lines that betray an unhandled error: stack frames, error names, Next's "⨯" error marker. */
export function logProblems(log: string): string[] {
  return log.split("\n").filter((line) => /unhandled|uncaught|⨯/i.test(line) || stackTrace.test(line));
}

export const ironlinkLines = (log: string) => log.split("\n").filter((line) => line.startsWith("ironlink:"));
export const unreachableLine = (redisUrl: string) =>
  expect.stringMatching(new RegExp(`^ironlink: Redis \\(${escapeRegExp(redisUrl)}/?\\) is unreachable \\([^\\n]+\\); retrying\\.$`));
export const backLine = (redisUrl: string) => expect.stringMatching(new RegExp(`^ironlink: Redis \\(${escapeRegExp(redisUrl)}/?\\) is back\\.$`));
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
