/**
 * Part 5b: sign-in while reads saturate the server. The other side of the sign-in burst (part 5): hashing
 * must not take the reads' CPU, and reads must not take all of hashing's. Sign-ins one at a time, quiet
 * and while autocannon keeps every connection busy with reads, interleaved; the reads run in a process of
 * their own, so the bench's own event loop (which times the sign-ins) is not the one saturated.
 */
import { createRequire } from "node:module";
import { runToCompletion } from "./processes";
import { median, percentile, sleep } from "./timing";

const autocannonBin = createRequire(import.meta.url).resolve("autocannon/autocannon.js");

export interface SignInUnderReadsRound {
  /** ms per sign-in (POST /signin: scrypt, then a new session and its save), one at a time. */
  quiet: number[];
  saturated: number[];
  /** Reads per second during the saturated turn, sign-ins and all. */
  readsPerSecond: number;
}

export interface SignInUnderReadsOptions {
  base: string;
  cookie: string;
  rounds: number;
  signInsPerTurn: number;
  connections: number;
  log: (message: string) => void;
}

/** POST /signin `count` times, one after another with a pause between (people, not a burst); ms each. */
async function timedSignIns(base: string, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const answer = await fetch(`${base}/signin`, { method: "POST" });
    await answer.arrayBuffer();
    if (!answer.ok) throw new Error(`/signin answered ${answer.status}`);
    times.push(performance.now() - started);
    await sleep(100);
  }
  return times;
}

/** Reads as fast as the server answers, from a process of its own; resolves with autocannon's JSON summary. */
async function saturatingReads(url: string, cookie: string, connections: number, seconds: number): Promise<{ requests: { average: number }; non2xx: number; errors: number }> {
  const output = await runToCompletion(process.execPath, [autocannonBin, "--json", "-c", String(connections), "-d", String(seconds), "-H", `cookie:${cookie}`, url], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH, NODE_ENV: "production" },
  });
  return JSON.parse(output.slice(output.indexOf("{")));
}

export async function runSignInUnderReads(options: SignInUnderReadsOptions): Promise<SignInUnderReadsRound[]> {
  const { base, cookie, rounds, signInsPerTurn, connections, log } = options;
  // A sign-in takes ~0.25 s with its pause; the reads start a second before and end after the last.
  const readSeconds = Math.ceil(signInsPerTurn * 0.4) + 3;
  const results: SignInUnderReadsRound[] = [];
  for (let round = 1; round <= rounds; round++) {
    const quiet = await timedSignIns(base, signInsPerTurn);
    const reads = saturatingReads(`${base}/ironlink`, cookie, connections, readSeconds);
    await sleep(1000);
    const saturated = await timedSignIns(base, signInsPerTurn);
    const summary = await reads;
    if (summary.non2xx > 0 || summary.errors > 0) throw new Error(`saturating reads: ${summary.non2xx} non-2xx, ${summary.errors} errors`);
    results.push({ quiet, saturated, readsPerSecond: summary.requests.average });
    log(
      `  round ${round} sign-in median: quiet ${median(quiet).toFixed(0)} ms, while reads saturate ${median(saturated).toFixed(0)} ms ` +
        `(p95 ${percentile(sorted(saturated), 0.95).toFixed(0)} ms; reads ${summary.requests.average.toFixed(0)}/s)`,
    );
  }
  return results;
}

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);

/** The goal's two figures, over every round's sign-ins together. */
export function signInUnderReadsFigures(rounds: SignInUnderReadsRound[]) {
  const quiet = sorted(rounds.flatMap((r) => r.quiet));
  const saturated = sorted(rounds.flatMap((r) => r.saturated));
  return {
    quietMedian: percentile(quiet, 0.5),
    quietP95: percentile(quiet, 0.95),
    saturatedMedian: percentile(saturated, 0.5),
    saturatedP95: percentile(saturated, 0.95),
    readsPerSecond: median(rounds.map((r) => r.readsPerSecond)),
  };
}

export function signInUnderReadsGoal(rounds: SignInUnderReadsRound[]) {
  const f = signInUnderReadsFigures(rounds);
  return {
    goal: "sign-in p95 while reads saturate / quiet median",
    measured: `${(f.saturatedP95 / f.quietMedian).toFixed(2)}x (${f.quietMedian.toFixed(0)} → ${f.saturatedP95.toFixed(0)} ms)`,
    target: "≤ 3.00x",
    pass: f.saturatedP95 <= 3 * f.quietMedian,
  };
}

export function signInUnderReadsReport(rounds: SignInUnderReadsRound[], connections: number): string[] {
  const f = signInUnderReadsFigures(rounds);
  const perRound = rounds.map((r) => (percentile(sorted(r.saturated), 0.95) / median(r.quiet)).toFixed(2)).join(", ");
  return [
    `### Sign-in while reads saturate: POST /signin one at a time (100 ms apart), quiet and during GET /ironlink from ${connections} connections ` +
      `as fast as answered (autocannon in its own process), ${rounds.length} rounds × ${rounds[0]?.quiet.length ?? 0} sign-ins interleaved`,
    "",
    "| sign-ins | median ms | p95 ms |",
    "| --- | --- | --- |",
    `| quiet | ${f.quietMedian.toFixed(0)} | ${f.quietP95.toFixed(0)} |`,
    `| while reads saturate (${f.readsPerSecond.toFixed(0)} reads/s) | ${f.saturatedMedian.toFixed(0)} | ${f.saturatedP95.toFixed(0)} |`,
    "",
    `- p95 saturated / quiet median per round: ${perRound}`,
  ];
}
