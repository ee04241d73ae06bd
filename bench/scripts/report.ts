/** What the reports share: Markdown tables, installed versions, where the raw figures go. */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface Goal {
  goal: string;
  measured: string;
  target: string;
  pass: boolean;
}

/** A Markdown table, padded so it also reads as plain text. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(" | ")} |`;
  return [line(header), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...rows.map(line)].join("\n");
}

export function goalsTable(goals: Goal[]): string {
  return table(["goal", "measured", "target", "result"], goals.map((g) => [g.goal, g.measured, g.target, g.pass ? "PASS" : "FAIL"]));
}

/** The installed version of a package, from the package.json above its entry point (some do not export it). */
export function packageVersion(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.resolve(name)));
  while (dir !== dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === name) return pkg.version ?? "unknown";
    } catch {
      // not here
    }
    dir = dirname(dir);
  }
  return "unknown";
}

/** bench/.results/<name>-<time>.<ext>: a run's raw figures (ignored by git). */
export function resultsFile(name: string, ext: string, at = new Date()): string {
  return join(dirname(fileURLToPath(import.meta.url)), "..", ".results", `${name}-${at.toISOString().replace(/[:.]/g, "-")}.${ext}`);
}
