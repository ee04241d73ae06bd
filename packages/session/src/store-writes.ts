import { SessionStoreUnavailableError } from "./errors";
import { cookieOpensUntilAfterSave, expiryOf } from "./lifetime";
import type { StoredSession } from "./load";
import type { NormalizedSessionOptions } from "./options";
import { sealStoredValue, type StoredValue, unsealStoredValue } from "./seal";
import { endSessionsBeyondCap } from "./session-cap";
import type { WriteResult } from "./stores/session-store";

type Data = Record<string, unknown>;

/** How many times a save merges and retries when other writers keep changing the session under it. */
const maxWriteAttempts = 20;

/** Writes a new session under `key`. Undefined if the key exists already (an id collision: 256 random bits make it moot). */
export async function createStoredSession(key: string, data: Data, now: number, options: NormalizedSessionOptions): Promise<StoredSession | undefined> {
  const record: StoredValue<Data> = { key, data, createdAt: now, touchedAt: now, cookieOpensUntil: cookieOpensUntilAfterSave(now, options) };
  const raw = await sealStoredValue(record, options.passwords, options.ttl);
  const userId = options.userId(data);
  const result = await options.store.set(key, raw, { mode: "create", expiresAt: expiryOf(record, options), now, userId });
  if (result.status !== "written") return undefined;
  if (userId !== undefined) await capUserSessions(userId, key, result, options);
  return { raw, record };
}

/**
 * A session just became the user's (a sign-in): end their oldest beyond `maxSessionsPerUser`. The new
 * session is written either way; a store that fails here is logged, and the next sign-in ends the excess.
 */
async function capUserSessions(userId: string, key: string, result: WriteResult, options: NormalizedSessionOptions): Promise<void> {
  const userSessions = result.status === "written" ? result.userSessions : undefined;
  try {
    await endSessionsBeyondCap(userId, key, userSessions, options);
  } catch (error) {
    console.error("ironlink: ending the oldest sessions of a user beyond maxSessionsPerUser failed; the next sign-in tries again.", error);
  }
}

/**
 * Writes only what this request changed since it read `base`, merged into the stored value under a
 * compare-and-set, so two apps (or tabs) saving different fields at once both keep their change. Undefined
 * when the session ended elsewhere meanwhile: it stays ended. Saves of one session within this process
 * queue up, so they do not race each other.
 */
export async function updateStoredSession(
  base: StoredSession,
  data: Data,
  now: number,
  options: NormalizedSessionOptions,
): Promise<StoredSession | undefined> {
  const { key } = base.record;
  const changes = changedFields(base.record.data, data);
  return oneWriterAtATime(key, async () => {
    let current = base;
    for (let attempt = 0; attempt < maxWriteAttempts; attempt++) {
      const merged = applyChanges(current.record.data, changes);
      const record: StoredValue<Data> = {
        key,
        data: merged,
        createdAt: current.record.createdAt,
        touchedAt: now,
        cookieOpensUntil: cookieOpensUntilAfterSave(now, options),
      };
      const raw = await sealStoredValue(record, options.passwords, options.ttl);
      const userId = options.userId(merged);
      const write = { mode: "update", expected: current.raw, expiresAt: expiryOf(record, options), now, userId } as const;
      const result = await options.store.set(key, raw, write);
      if (result.status === "written") {
        // Saved under a user it did not belong to before: a sign-in without a new id, which counts too.
        if (userId !== undefined && userId !== options.userId(current.record.data)) await capUserSessions(userId, key, result, options);
        return { raw, record };
      }
      if (result.status === "gone") return undefined; // signed out or revoked meanwhile: never resurrect
      const changed = await unsealStoredValue<Data>(result.current, key, options.passwords, options.reportUnsealError);
      if (!changed) return undefined;
      current = { raw: result.current, record: changed };
    }
    throw new SessionStoreUnavailableError(`ironlink: the session changed under ${maxWriteAttempts} concurrent saves in a row; try again.`);
  });
}

interface FieldChanges {
  set: Data;
  removed: string[];
}

/** The top-level fields this request set, changed or deleted since it read the session. */
function changedFields(base: Data, session: Data): FieldChanges {
  const set: Data = {};
  for (const [field, value] of Object.entries(session)) {
    if (!(field in base) || JSON.stringify(value) !== JSON.stringify(base[field])) set[field] = value;
  }
  return { set, removed: Object.keys(base).filter((field) => !(field in session)) };
}

function applyChanges(base: Data, { set, removed }: FieldChanges): Data {
  const data = { ...base, ...set };
  for (const field of removed) delete data[field];
  return data;
}

const writeQueues = new Map<string, Promise<unknown>>();
async function oneWriterAtATime<T>(key: string, write: () => Promise<T>): Promise<T> {
  const previous = writeQueues.get(key) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((resolve) => {
    done = resolve;
  });
  const tail = previous.then(() => mine);
  writeQueues.set(key, tail);
  await previous;
  try {
    return await write();
  } finally {
    done();
    if (writeQueues.get(key) === tail) writeQueues.delete(key);
  }
}
