import type { SessionStore } from "../../stores/session-store";
import { recordName } from "./adapter";
import type { OidcRecords } from "./records";

/** One client signed in through one fleet session: what its end must reach (a logout token) and revoke (the grant). */
export interface OidcSignIn {
  clientId: string;
  /** The `sid` the client's ID token carried. */
  sid: string;
  /** The `sub`: the fleet user's id. */
  accountId: string;
  grantId: string;
}

/**
 * The fleet session ↔ OIDC bookkeeping, in the fleet's store: which grants each fleet session made (so a grant
 * lives only as long as its session) and which clients it signed in to (so its end reaches each of them), and
 * the due list of sessions to look at when they would time out. Keys name a session by its public id (the
 * store's key, a hash of the secret id).
 */
export function createSignIns(records: OidcRecords, store: SessionStore, ttlSeconds: number) {
  const setKey = (publicId: string) => `SignIns:${publicId}`;
  /** Milliseconds the session has left, or null once it is over. */
  const timeLeft = async (publicId: string): Promise<number | null> => {
    if (store.expiresIn) return store.expiresIn(publicId);
    return (await store.get(publicId)) === null ? null : ttlSeconds * 1000;
  };
  return {
    timeLeft,
    /** The grant was made in fleet session `publicId`: its note, read with it, which the adapter checks. */
    bindGrant: (grantId: string, publicId: string) => records.putNote(recordName("Grant", grantId), publicId, ttlSeconds),
    /** Whether a fleet session (a grant's note) is still alive. */
    isSessionAlive: async (publicId: string | undefined): Promise<boolean> => publicId !== undefined && (await store.get(publicId)) !== null,
    /** Records a client's sign-in through the session, and when to look at the session next (its expiry). */
    async record(publicId: string, signIn: OidcSignIn): Promise<void> {
      await records.addMember(setKey(publicId), JSON.stringify(signIn), ttlSeconds);
      await records.schedule(publicId, Date.now() + ((await timeLeft(publicId)) ?? 0));
    },
    /** Takes the session's sign-ins, once: of two processes told of one end, one gets them. */
    async take(publicId: string): Promise<OidcSignIn[]> {
      const members = await records.takeMembers(setKey(publicId));
      await records.unschedule(publicId);
      return members.flatMap((member) => {
        try {
          return [JSON.parse(member) as OidcSignIn];
        } catch {
          return [];
        }
      });
    },
  };
}

export type SignIns = ReturnType<typeof createSignIns>;

/**
 * Ends the OIDC side of every fleet session that ends: told by the store (a sign-out, a revocation, "sign out
 * everywhere", a password change) at once, and, for the sessions nobody ends (the idle and absolute
 * timeouts), by looking at the due list every `intervalMs`. `end` is called once per ended session's sign-ins.
 */
export async function watchSessionEnds(
  { store, records, signIns }: { store: SessionStore; records: OidcRecords; signIns: SignIns },
  end: (signIn: OidcSignIn) => Promise<void>,
  intervalMs = 1_000,
): Promise<{ close(): Promise<void> }> {
  const report = (error: unknown) => console.warn(`ironlink: could not end an OIDC sign-in (${error instanceof Error ? error.message : String(error)}).`);
  const endSession = async (publicId: string) => {
    for (const signIn of await signIns.take(publicId)) await end(signIn).catch(report);
  };
  let sweeping = false;
  const sweep = async (upTo: number) => {
    if (sweeping) return;
    sweeping = true;
    try {
      for (const publicId of await records.due(upTo, 200)) {
        const left = await signIns.timeLeft(publicId);
        if (left === null) await endSession(publicId);
        else await records.schedule(publicId, Date.now() + left);
      }
    } finally {
      sweeping = false;
    }
  };
  const unsubscribe = await store.subscribeEnded?.(
    (publicId) => void endSession(publicId).catch(report),
    // Announcements may have been missed while the store was away: look at every session on the list.
    () => void sweep(Number.MAX_SAFE_INTEGER).catch(report),
  );
  // At start too: a session ended while no sign-in process listened is found now, not at its expiry.
  void sweep(Number.MAX_SAFE_INTEGER).catch(report);
  const timer = setInterval(() => void sweep(Date.now()).catch(report), intervalMs);
  timer.unref();
  return {
    close: async () => {
      clearInterval(timer);
      await unsubscribe?.();
    },
  };
}
