import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";

/**
 * The two primitives that make a shared directory safe for several processes: a lock (a directory,
 * since mkdir is atomic across processes) and an atomic write (a temporary file renamed into place, so a
 * reader sees the old file or the new one, never a torn one).
 */

/** A lock older than this belongs to a process that died holding it. */
const staleLockMs = 10_000;
const lockWaitMs = 3_000;

/** Runs `work` holding the lock of `path` (a directory `<path>.lock`). */
export async function withFileLock<T>(path: string, work: () => Promise<T>): Promise<T> {
  const lock = `${path}.lock`;
  const deadline = Date.now() + lockWaitMs;
  for (let wait = 1; ; wait = Math.min(wait * 2, 20)) {
    try {
      await mkdir(/*turbopackIgnore: true*/ lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const age = await stat(/*turbopackIgnore: true*/ lock).then((s) => Date.now() - s.mtimeMs, ifMissing(0));
      if (age > staleLockMs) await rmdir(/*turbopackIgnore: true*/ lock).catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`${lock} stayed locked for ${lockWaitMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, wait + Math.random() * wait));
    }
  }
  try {
    return await work();
  } finally {
    await rmdir(/*turbopackIgnore: true*/ lock).catch(() => undefined);
  }
}

export async function writeFileAtomic(path: string, content: string): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  await writeFile(/*turbopackIgnore: true*/ temporary, content, { mode: 0o600 });
  try {
    await rename(/*turbopackIgnore: true*/ temporary, path);
  } catch (error) {
    await rm(/*turbopackIgnore: true*/ temporary, { force: true });
    throw error;
  }
}

/** The file's text, or undefined if it does not exist. */
export function readTextIfExists(path: string): Promise<string | undefined> {
  return readFile(/*turbopackIgnore: true*/ path, "utf8").catch(ifMissing(undefined));
}

export function ifMissing<T>(fallback: T) {
  return (error: NodeJS.ErrnoException): T => {
    if (error.code === "ENOENT") return fallback;
    throw error;
  };
}
