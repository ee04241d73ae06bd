/**
 * Part 5b: sign-in while reads saturate the machine. The other side of the sign-in burst: hashing must not
 * take the reads' CPU, and reads must not take all of hashing's. Sign-ins one at a time, quiet and while
 * autocannon keeps every connection busy with reads, interleaved. One Next server uses one CPU at most, so
 * the reads go to it and to a second server of the same app (two apps on one box): both CPUs are busy, as
 * on a loaded production machine. The reads run in processes of their own, so the bench's own event loop
 * (which times the sign-ins) is not the one saturated.
 */
import { createRequire } from "node:module";
import { runToCompletion } from "./processes";
import { median, percentile, sleep } from "./timing";

const autocannonModule = createRequire(import.meta.url).resolve("autocannon");

export interface SignInUnderReadsRound {
  /** ms per sign-in (POST /signin: scrypt, then a new session and its save), one at a time. */
  quiet: number[];
  saturated: number[];
  /** Of those, the ms the route waited for the hash (its Server-Timing), in the same order. */
  quietHash: number[];
  saturatedHash: number[];
  /** Reads per second during the saturated turn, sign-ins and all. */
  readsPerSecond: number;
}

export interface SignInUnderReadsOptions {
  /** The server that signs in (and is read); `others` are only read. */
  base: string;
  others: string[];
  cookie: string;
  rounds: number;
  signInsPerTurn: number;
  connections: number;
  log: (message: string) => void;
}

/**
 * POST /signin one after another with a pause between (people, not a burst), `count` times or until
 * `untilMs` (performance.now()); ms each. One still waiting at `untilMs` is waited for and counted.
 */
async function timedSignIns(base: string, { count = Infinity, untilMs = Infinity }: { count?: number; untilMs?: number }): Promise<{ times: number[]; hash: number[] }> {
  const times: number[] = [];
  const hash: number[] = [];
  while (times.length < count && performance.now() < untilMs) {
    const started = performance.now();
    const answer = await fetch(`${base}/signin`, { method: "POST" });
    await answer.arrayBuffer();
    if (!answer.ok) throw new Error(`/signin answered ${answer.status}`);
    times.push(performance.now() - started);
    hash.push(Number(/hash;dur=([\d.]+)/.exec(answer.headers.get("server-timing") ?? "")?.[1] ?? Number.NaN));
    await sleep(100);
  }
  return { times, hash };
}

interface ReadsSummary {
  requests: { average: number };
  non2xx: number;
  errors: number;
}

/**
 * Reads as fast as the servers answer, from one process of its own (one program on the machine, as the
 * clients of a loaded server would be one load elsewhere: one autogroup, not one per server); resolves with
 * autocannon's summary per URL.
 */
async function saturatingReads(urls: string[], cookie: string, connections: number, seconds: number): Promise<ReadsSummary[]> {
  const script = `
    const autocannon = require(${JSON.stringify(autocannonModule)});
    const urls = ${JSON.stringify(urls)};
    const options = { connections: ${connections}, duration: ${seconds}, headers: { cookie: ${JSON.stringify(cookie)} } };
    Promise.all(urls.map((url) => autocannon({ ...options, url }))).then((results) => console.log(JSON.stringify(results)));
  `;
  const output = await runToCompletion(process.execPath, ["-e", script], { cwd: process.cwd(), env: { PATH: process.env.PATH, NODE_ENV: "production" } });
  return JSON.parse(output.slice(output.indexOf("[")));
}

export async function runSignInUnderReads(options: SignInUnderReadsOptions): Promise<SignInUnderReadsRound[]> {
  const { base, others, cookie, rounds, signInsPerTurn, connections, log } = options;
  // The sign-ins of a saturated turn start a second into the reads and stop a second before they end, so
  // every one of them meets saturated reads however long it takes (a starved one is counted when it ends).
  const readSeconds = Math.max(5, Math.ceil(signInsPerTurn * 0.5) + 2);
  const results: SignInUnderReadsRound[] = [];
  for (let round = 1; round <= rounds; round++) {
    const quiet = await timedSignIns(base, { count: signInsPerTurn });
    const readsEnd = performance.now() + readSeconds * 1000;
    const reads = saturatingReads([base, ...others].map((origin) => `${origin}/ironlink`), cookie, connections, readSeconds);
    await sleep(1000);
    const saturated = await timedSignIns(base, { untilMs: readsEnd - 1000 });
    const summaries = await reads;
    for (const summary of summaries) {
      if (summary.non2xx > 0 || summary.errors > 0) throw new Error(`saturating reads: ${summary.non2xx} non-2xx, ${summary.errors} errors`);
    }
    const readsPerSecond = summaries.reduce((sum, summary) => sum + summary.requests.average, 0);
    results.push({ quiet: quiet.times, saturated: saturated.times, quietHash: quiet.hash, saturatedHash: saturated.hash, readsPerSecond });
    log(
      `  round ${round} sign-in median: quiet ${median(quiet.times).toFixed(0)} ms (hash ${median(quiet.hash).toFixed(0)}), ` +
        `while reads saturate ${median(saturated.times).toFixed(0)} ms (hash ${median(saturated.hash).toFixed(0)}; ` +
        `p95 ${percentile(sorted(saturated.times), 0.95).toFixed(0)} ms; reads ${readsPerSecond.toFixed(0)}/s)`,
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
    quietCount: quiet.length,
    saturatedCount: saturated.length,
    quietHashMedian: median(rounds.flatMap((r) => r.quietHash)),
    saturatedHashMedian: median(rounds.flatMap((r) => r.saturatedHash)),
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
    goal: "sign-in p95 while reads saturate the app / quiet median",
    measured: `${(f.saturatedP95 / f.quietMedian).toFixed(2)}x (${f.quietMedian.toFixed(0)} → ${f.saturatedP95.toFixed(0)} ms)`,
    target: "≤ 3.00x",
    pass: f.saturatedP95 <= 3 * f.quietMedian,
  };
}

export function signInUnderReadsReport(rounds: SignInUnderReadsRound[], connections: number, servers: number): string[] {
  const f = signInUnderReadsFigures(rounds);
  const perRound = rounds.map((r) => (percentile(sorted(r.saturated), 0.95) / median(r.quiet)).toFixed(2)).join(", ");
  return [
    `### Sign-in while reads saturate ${servers === 1 ? "the app" : "the machine"}: POST /signin one at a time (100 ms apart), quiet and during GET /ironlink as fast as answered, ` +
      `${connections} connections to ${servers === 1 ? "the server that signs in" : `each of ${servers} servers of the fixture (both CPUs busy)`} (autocannon in one process of its own), ` +
      `${rounds.length} rounds interleaved, ${rounds[0]?.quiet.length ?? 0} quiet sign-ins and as many as fit in the saturated turn each`,
    "",
    "| sign-ins | count | median ms | p95 ms | of which the hash, median ms |",
    "| --- | --- | --- | --- | --- |",
    `| quiet | ${f.quietCount} | ${f.quietMedian.toFixed(0)} | ${f.quietP95.toFixed(0)} | ${f.quietHashMedian.toFixed(0)} |`,
    `| while reads saturate (${f.readsPerSecond.toFixed(0)} reads/s in all) | ${f.saturatedCount} | ${f.saturatedMedian.toFixed(0)} | ${f.saturatedP95.toFixed(0)} | ${f.saturatedHashMedian.toFixed(0)} |`,
    "",
    `- p95 saturated / quiet median per round: ${perRound}`,
  ];
}
