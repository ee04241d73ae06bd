/**
 * `npm run bench -- --across-runs [--since=<ISO time>]`: the spread over runs. Reads the results file of
 * every full run in bench/.results/ (or those at or after `--since`), measures nothing, and prints each
 * goal's figure per run and the headline figures of the contenders as the median over runs and their
 * min–max: what one run cannot tell, how far the next one may land.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type ContendersResult, contenderName } from "./contenders";
import type { Goal } from "./report";
import { table } from "./report";
import { benchDir } from "./servers";
import { median, spread } from "./timing";

interface FullRun {
  file: string;
  config: { quick?: boolean };
  readSummary?: unknown;
  goals: Goal[];
  contenders: ContendersResult;
}

const resultsDir = join(benchDir, ".results");

/** Full runs only (a part run has no fixture reads or no contenders; `--quick` is no measurement), oldest first. */
export function fullRuns(since = ""): FullRun[] {
  const names = readdirSync(resultsDir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && /^bench-.*\.json$/.test(entry.name) && entry.name.slice("bench-".length) >= since.replace(/[:.]/g, "-"))
    .map((entry) => entry.name)
    .sort();
  return names
    .map((name) => ({ file: name, ...(JSON.parse(readFileSync(join(resultsDir, name), "utf8")) as Omit<FullRun, "file">) }))
    .filter((run) => run.readSummary !== undefined && Array.isArray(run.contenders?.rows) && !run.config?.quick);
}

/** The leading number of a goal's "measured" text ("1.57x", "2.46x (167 → 410 ms)", "8.2 ms (p50 2.1)"). */
const leadingNumber = (measured: string) => Number(/-?[\d.]+/.exec(measured.replaceAll(",", ""))?.[0] ?? Number.NaN);

export function acrossRunsReport(runs: FullRun[]): string[] {
  const fixed = (digits: number) => (value: number) => value.toFixed(digits);
  const goalNames = [...new Set(runs.flatMap((run) => run.goals.map((goal) => goal.goal)))];
  const goalRows = goalNames.map((name) => {
    const found = runs.map((run) => run.goals.find((goal) => goal.goal === name));
    const values = found.flatMap((goal) => (goal ? [leadingNumber(goal.measured)] : []));
    return [
      name,
      ...found.map((goal) => (goal ? `${leadingNumber(goal.measured)}${goal.pass ? "" : " FAIL"}` : "-")),
      spread(values, fixed(2)),
      `${found.filter((goal) => goal?.pass).length} of ${found.filter(Boolean).length}`,
    ];
  });
  // A row without turns is a size the contender cannot hold (iron-session's cookie limit).
  const keys = [...new Set(runs.flatMap((run) => run.contenders.rows.filter((row) => row.turns).map((row) => `${row.phase}|${row.bytes}|${row.name}`)))];
  const contenderRows = keys.map((key) => {
    const [phase, bytes, name] = key.split("|") as [string, string, Parameters<typeof contenderName>[0]];
    const rows = runs.flatMap((run) => run.contenders.rows.filter((row) => row.turns && `${row.phase}|${row.bytes}|${row.name}` === key));
    const rps = rows.map((row) => row.rps);
    const p99 = rows.map((row) => row.p99);
    return [phase, `${Number(bytes) / 1024} kB`, contenderName(name), median(rps).toFixed(0), spread(rps, fixed(0)), median(p99).toFixed(1), spread(p99, fixed(1))];
  });
  return [
    `### Across ${runs.length} full run${runs.length === 1 ? "" : "s"} (${runs.map((run) => run.file.slice("bench-".length, -".json".length)).join(", ")})`,
    "",
    "Each goal's figure per run (the leading number of its measured value), its min–max, and how many runs passed it:",
    "",
    table(["goal", ...runs.map((_, i) => `run ${i + 1}`), "min–max", "passed"], goalRows),
    "",
    "Contenders: the median over a run's rounds, then the median over runs and the min–max of the runs' medians:",
    "",
    table(["phase", "data", "contender", "req/s", "req/s min–max", "p99 ms", "p99 min–max"], contenderRows),
  ];
}
