import { mkdir, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { SessionConfigError, SessionStoreUnavailableError } from "../errors";
import { hashedName, isStoreKey } from "../session-id";
import { readTextIfExists, withFileLock, writeFileAtomic } from "./file-io";
import type { SessionStore, StoreWrite, WriteResult } from "./session-store";

/**
 * Sessions as files in a directory that every app can reach: the tutorial's shared session directory,
 * done properly. Same contract as RedisStore.
 *
 * - `sessions/<key>`: the expiry (epoch ms) on the first line, the sealed value on the second. Keys are
 *   the store keys (SHA-256, base64url) and are checked against that shape, so a name can never be
 *   steered by a cookie: path traversal is impossible by construction.
 * - `users/<sha256(userId)>.json`: the per-user index, `{ key: expiresAt }`.
 * - `claimed/<sha256(key)>`: one-time markers.
 * - `revocations/count`: the fleet's revocation counter; `revocations/<sha256(userId)>`: its value at the
 *   user's latest revocation (the sign-in guard, manager.ts). Each changed under its lock.
 * Every write goes to a temporary file and is renamed into place (atomic on one filesystem), and every
 * read-modify-write holds a lock directory (`mkdir` is atomic across processes), so two apps writing at
 * once never leave a torn or lost file. Expired files are removed when read and swept once a minute.
 */
// The paths are known only at run time: `turbopackIgnore` keeps Next from tracing the whole project for them.
export interface FileStoreOptions {
  /** The shared directory. Created if missing. */
  dir: string;
  /** Milliseconds between sweeps of expired files, triggered by writes. Default: 60 000. */
  sweepInterval?: number;
}

/** How often a subscription looks for sessions ended by other apps. */
const endedPollMs = 250;
/** How long an ended/ marker stays: every subscriber polls it many times over by then. */
const endedRetentionMs = 60_000;

/** `FileStore.Options`: the constructor's. */
export declare namespace FileStore {
  type Options = FileStoreOptions;
}

export class FileStore implements SessionStore {
  readonly dir: string;
  readonly #sweepInterval: number;
  #lastSweep = Date.now();
  #ready: Promise<void> | undefined;

  constructor({ dir, sweepInterval = 60_000 }: FileStoreOptions) {
    if (typeof dir !== "string" || dir.length === 0) {
      throw new SessionConfigError("ironlink: FileStore needs `dir`, a directory every app can read and write.");
    }
    this.dir = dir;
    this.#sweepInterval = sweepInterval;
  }

  async get(key: string): Promise<string | null> {
    if (!isStoreKey(key)) return null;
    const entry = await this.#readEntry(this.#sessionPath(key));
    return entry ? entry.value : null;
  }

  async set(key: string, value: string, write: StoreWrite): Promise<WriteResult> {
    const path = this.#sessionPath(key);
    const result = await this.#locked(path, async (): Promise<WriteResult> => {
      const current = await this.#readEntry(path);
      if (write.mode === "create" && current) return { status: "gone" };
      if (write.mode === "update") {
        if (!current) return { status: "gone" };
        if (current.value !== write.expected) return { status: "changed", current: current.value };
      }
      await this.#writeAtomic(path, `${write.expiresAt}\n${value}`);
      return { status: "written" };
    });
    if (result.status === "written" && write.userId !== undefined) {
      const userSessions = await this.#updateIndex(write.userId, write.now, (index) => {
        index[key] = write.expiresAt;
      });
      this.#maybeSweep();
      return { status: "written", userSessions };
    }
    this.#maybeSweep();
    return result;
  }

  async delete(key: string, userId?: string, { replaced = false } = {}): Promise<void> {
    if (!isStoreKey(key)) return;
    const path = this.#sessionPath(key);
    await this.#locked(path, () => removeFile(path));
    if (userId !== undefined) {
      await this.#updateIndex(userId, Date.now(), (index) => {
        delete index[key];
      });
    }
    await this.#announceEnded(key, replaced);
  }

  async expiresIn(key: string): Promise<number | null> {
    if (!isStoreKey(key)) return null;
    const entry = await this.#readEntry(this.#sessionPath(key));
    return entry ? Math.max(0, entry.expiresAt - Date.now()) : null;
  }

  /** A marker file per ended session (`ended/<key>`), which every app's subscription polls for. */
  async #announceEnded(key: string, replaced: boolean): Promise<void> {
    const dir = join(/*turbopackIgnore: true*/ this.dir, "ended");
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(join(dir, key), replaced ? "replaced" : "ended");
  }

  /**
   * Polls `ended/` every `endedPollMs`: the same contract as Redis's channel, a little later. The next poll
   * is scheduled when the previous one has finished, so a slow directory never has two polls at once.
   */
  async subscribeEnded(onEnded: (key: string, replaced: boolean) => void, _onResync: () => void): Promise<() => Promise<void>> {
    const dir = join(/*turbopackIgnore: true*/ this.dir, "ended");
    const seen = new Map<string, number>();
    const started = Date.now();
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let polling: Promise<void> = Promise.resolve();
    const poll = async () => {
      const names = new Set(await readdir(/*turbopackIgnore: true*/ dir).catch(() => [] as string[]));
      for (const name of seen.keys()) if (!names.has(name)) seen.delete(name);
      for (const name of names) {
        if (stopped) return;
        if (!isStoreKey(name)) continue;
        const path = join(/*turbopackIgnore: true*/ dir, name);
        const modified = (await stat(/*turbopackIgnore: true*/ path).catch(() => undefined))?.mtimeMs;
        if (modified === undefined || (await this.#removeIfOld(path, modified))) continue;
        if (modified < started - 1_000 || seen.get(name) === modified) continue;
        seen.set(name, modified);
        onEnded(name, (await readTextIfExists(path).catch(() => undefined)) === "replaced");
      }
    };
    const next = () => {
      if (stopped) return;
      timer = setTimeout(() => {
        polling = poll().catch(() => undefined).then(next);
      }, endedPollMs);
      timer.unref();
    };
    next();
    return async () => {
      stopped = true;
      clearTimeout(timer);
      await polling;
    };
  }

  /**
   * Removes an ended/ marker older than `endedRetentionMs` (by then every subscriber has seen it): the first
   * poll to notice does, or the sweep where nobody subscribes. True if it was that old.
   */
  async #removeIfOld(path: string, modified: number, now = Date.now()): Promise<boolean> {
    if (modified >= now - endedRetentionMs) return false;
    await removeFile(path).catch(() => undefined);
    return true;
  }

  async listByUser(userId: string, now: number): Promise<Array<[string, string]>> {
    const index = await this.#readIndex(this.#indexPath(userId));
    const keys = Object.entries(index)
      .filter(([key, expiresAt]) => expiresAt > now && isStoreKey(key))
      .map(([key]) => key);
    const values = await Promise.all(keys.map((key) => this.get(key)));
    const gone = keys.filter((_, i) => values[i] === null);
    if (gone.length > 0 || keys.length !== Object.keys(index).length) {
      await this.#updateIndex(userId, now, (entries) => {
        for (const key of gone) delete entries[key];
      });
    }
    return keys.flatMap((key, i) => (values[i] === null ? [] : [[key, values[i] as string] as [string, string]]));
  }

  async claim(key: string, expiresAt: number, now: number): Promise<boolean> {
    const path = join(/*turbopackIgnore: true*/ this.dir, "claimed", hashedName(key));
    return this.#locked(path, async () => {
      const current = await this.#readEntry(path, now);
      if (current) return false;
      await this.#writeAtomic(path, `${expiresAt}\n1`);
      return true;
    });
  }

  async isClaimed(key: string): Promise<boolean> {
    return (await this.#readEntry(join(/*turbopackIgnore: true*/ this.dir, "claimed", hashedName(key)))) !== undefined;
  }

  /** Removes every expired session, claim and index entry, and ended/ markers over a minute old. Runs by itself once per `sweepInterval`. */
  async sweep(now = Date.now()): Promise<number> {
    await this.#ensureDirs();
    let removed = 0;
    for (const folder of ["sessions", "claimed"]) {
      for (const name of await readdir(/*turbopackIgnore: true*/ join(/*turbopackIgnore: true*/ this.dir, folder))) {
        if (name.includes(".")) continue; // temporary files and locks; keys and hashed names have no dots
        const path = join(/*turbopackIgnore: true*/ this.dir, folder, name);
        if ((await this.#readEntry(path, now)) === undefined && !(await exists(path))) removed++;
      }
    }
    removed += await this.#sweepEnded(now);
    for (const name of await readdir(/*turbopackIgnore: true*/ join(/*turbopackIgnore: true*/ this.dir, "users"))) {
      if (!name.endsWith(".json")) continue;
      await this.#locked(join(/*turbopackIgnore: true*/ this.dir, "users", name), async () => {
        const path = join(/*turbopackIgnore: true*/ this.dir, "users", name);
        const index = await this.#readIndex(path);
        const live = Object.fromEntries(Object.entries(index).filter(([, expiresAt]) => expiresAt > now));
        if (Object.keys(live).length === 0) await removeFile(path);
        else if (Object.keys(live).length !== Object.keys(index).length) await this.#writeAtomic(path, JSON.stringify(live));
      });
    }
    return removed;
  }

  /** The ended/ markers past their minute, for a fleet where no app subscribes (live sign-out off). */
  async #sweepEnded(now: number): Promise<number> {
    const dir = join(/*turbopackIgnore: true*/ this.dir, "ended");
    let removed = 0;
    for (const name of await readdir(/*turbopackIgnore: true*/ dir).catch(() => [] as string[])) {
      if (!isStoreKey(name)) continue; // temporary files of a marker being written
      const modified = (await stat(/*turbopackIgnore: true*/ join(/*turbopackIgnore: true*/ dir, name)).catch(() => undefined))?.mtimeMs;
      if (modified !== undefined && (await this.#removeIfOld(join(/*turbopackIgnore: true*/ dir, name), modified, now))) removed++;
    }
    return removed;
  }

  #sessionPath(key: string): string {
    if (!isStoreKey(key)) throw new SessionConfigError("ironlink: FileStore keys are SHA-256 hashes; refusing a malformed key.");
    return join(/*turbopackIgnore: true*/ this.dir, "sessions", key);
  }

  #indexPath(userId: string): string {
    return join(/*turbopackIgnore: true*/ this.dir, "users", `${hashedName(userId)}.json`);
  }

  /** The entry at `path` if it exists and has not expired; an expired one is removed on the way. */
  async #readEntry(path: string, now = Date.now()): Promise<{ value: string; expiresAt: number } | undefined> {
    await this.#ensureDirs();
    const text = await this.#io("read", () => readTextIfExists(path));
    if (text === undefined) return undefined;
    const newline = text.indexOf("\n");
    const expiresAt = Number(text.slice(0, newline));
    if (newline === -1 || !Number.isFinite(expiresAt)) return undefined;
    if (expiresAt <= now) {
      await this.#io("delete", () => removeFile(path));
      return undefined;
    }
    return { value: text.slice(newline + 1), expiresAt };
  }

  async #readIndex(path: string): Promise<Record<string, number>> {
    await this.#ensureDirs();
    const text = await this.#io("read", () => readTextIfExists(path));
    if (text === undefined) return {};
    try {
      const parsed = JSON.parse(text) as unknown;
      return parsed && typeof parsed === "object" ? (parsed as Record<string, number>) : {};
    } catch {
      return {}; // a torn index cannot happen (atomic renames), but a hand-edited one should not crash reads
    }
  }

  /** Changes the user's index under its lock; resolves how many live entries it holds after. */
  async #updateIndex(userId: string, now: number, change: (index: Record<string, number>) => void): Promise<number> {
    const path = this.#indexPath(userId);
    return this.#locked(path, async () => {
      const index = await this.#readIndex(path);
      change(index);
      const live = Object.fromEntries(Object.entries(index).filter(([, expiresAt]) => expiresAt > now));
      if (Object.keys(live).length === 0) await removeFile(path);
      else await this.#writeAtomic(path, JSON.stringify(live));
      return Object.keys(live).length;
    });
  }

  async countRevocation(userId: string): Promise<number> {
    const count = await this.#changeNumber(this.#revocationPath("count"), (current) => current + 1);
    await this.#changeNumber(this.#revocationPath(hashedName(userId)), (current) => Math.max(current, count));
    return count;
  }

  revocationCount(): Promise<number> {
    return this.#readNumber(this.#revocationPath("count"));
  }

  lastRevocationOf(userId: string): Promise<number> {
    return this.#readNumber(this.#revocationPath(hashedName(userId)));
  }

  #revocationPath(name: string): string {
    return join(/*turbopackIgnore: true*/ this.dir, "revocations", name);
  }

  async #readNumber(path: string): Promise<number> {
    await this.#ensureDirs();
    const value = Number(await this.#io("read", () => readTextIfExists(path)));
    return Number.isSafeInteger(value) && value > 0 ? value : 0;
  }

  /** Read, change and write a number file under its lock; resolves the number written. */
  #changeNumber(path: string, change: (current: number) => number): Promise<number> {
    return this.#locked(path, async () => {
      const next = change(await this.#readNumber(path));
      await this.#writeAtomic(path, String(next));
      return next;
    });
  }

  #writeAtomic(path: string, content: string): Promise<void> {
    return this.#io("write", () => writeFileAtomic(path, content));
  }

  async #locked<T>(path: string, work: () => Promise<T>): Promise<T> {
    await this.#ensureDirs();
    return this.#io("lock", () => withFileLock(path, work));
  }

  #ensureDirs(): Promise<void> {
    this.#ready ??= this.#io("create", async () => {
      for (const folder of ["sessions", "users", "claimed", "revocations"]) await mkdir(/*turbopackIgnore: true*/ join(/*turbopackIgnore: true*/ this.dir, folder), { recursive: true, mode: 0o700 });
    }).catch((error) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  #maybeSweep(): void {
    if (Date.now() - this.#lastSweep < this.#sweepInterval) return;
    this.#lastSweep = Date.now();
    this.sweep().catch(() => undefined); // best effort: expired entries are also dropped when read
  }

  #io<T>(what: string, operation: () => Promise<T>): Promise<T> {
    return SessionStoreUnavailableError.wrap(`could not ${what} in the session directory ${this.dir}`, operation);
  }
}

function removeFile(path: string): Promise<void> {
  return rm(/*turbopackIgnore: true*/ path, { force: true });
}

function exists(path: string): Promise<boolean> {
  return stat(/*turbopackIgnore: true*/ path).then(
    () => true,
    () => false,
  );
}
