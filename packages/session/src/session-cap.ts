import type { NormalizedSessionOptions } from "./options";
import { unsealStoredValue } from "./seal";

/**
 * The cap on live sessions per user (`maxSessionsPerUser`): when a save makes a session a user's, their
 * oldest sessions beyond the cap are ended, through the store's delete, so each end is announced like any
 * sign-out (live sign-out sends their open tabs to the sign-in page).
 *
 * "Oldest" is by creation, which is sign-in (a sign-in always starts a new session), not by the index's
 * score: that is the expiry, and with a sliding idle timeout a session signed in long ago but used a moment
 * ago expires last. So the user's sessions are listed and sorted: O(that user's sessions), and only when the
 * index the write just updated holds more than the cap (a store that does not say how many pays it at
 * every new session). Two sign-ins at once each end the oldest beyond the cap, never their own session:
 * both end the same ones, so the user keeps the cap's worth, the newest.
 */
export async function endSessionsBeyondCap(
  userId: string,
  keep: string,
  userSessions: number | undefined,
  options: NormalizedSessionOptions,
): Promise<number> {
  const { store, maxSessionsPerUser, clock, passwords, userId: ownerOf } = options;
  if (userSessions !== undefined && userSessions <= maxSessionsPerUser) return 0;
  const others: { key: string; createdAt: number }[] = [];
  for (const [key, raw] of await store.listByUser(userId, clock())) {
    if (key === keep) continue;
    const record = await unsealStoredValue<Record<string, unknown>>(raw, key, passwords);
    // The index is a hint: a session saved since under another user's data is not this user's to end.
    if (record && ownerOf(record.data) !== userId) continue;
    // One that no longer opens (sealed with a retired password) is dead already: first to go.
    others.push({ key, createdAt: record ? record.createdAt : Number.NEGATIVE_INFINITY });
  }
  const excess = others.length + 1 - maxSessionsPerUser;
  if (excess <= 0) return 0;
  others.sort((a, b) => a.createdAt - b.createdAt || (a.key < b.key ? -1 : 1));
  const doomed = others.slice(0, excess);
  await Promise.all(doomed.map(({ key }) => store.delete(key, userId)));
  return doomed.length;
}
