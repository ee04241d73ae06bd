import type { Fleet } from "../fleet";
import { recordName } from "./adapter";
import type { OidcRecords } from "./records";
import type { RecordSealer } from "../sealing";

/** How long, and for how many people, this process keeps a username it read: the token endpoint asks at every exchange. */
const cached = { ms: 60_000, max: 10_000 } as const;

/**
 * What the provider says of a person (`preferred_username`): written when they sign in through the provider,
 * sealed in the store for as long as their sign-ins may last (the fleet's absolute timeout), read by
 * oidc-provider's findAccount. A username changes rarely and only by a new sign-in, so a minute's cache is safe.
 */
export function createProfiles(records: OidcRecords, sealer: RecordSealer, ttlSeconds: number) {
  const recent = new Map<string, { username: string; until: number }>();
  const remember = (accountId: string, username: string) => {
    recent.delete(accountId);
    recent.set(accountId, { username, until: Date.now() + cached.ms });
    if (recent.size > cached.max) recent.delete(recent.keys().next().value as string);
  };
  return {
    async save(user: Fleet.User): Promise<void> {
      const name = recordName("Account", user.id);
      await records.put(name, sealer.seal({ username: user.username }, name), ttlSeconds);
      remember(user.id, user.username);
    },
    async usernameOf(accountId: string): Promise<string | undefined> {
      const hit = recent.get(accountId);
      if (hit && hit.until > Date.now()) return hit.username;
      const name = recordName("Account", accountId);
      const record = await records.get(name);
      const username = record ? (sealer.open(record.value, name) as { username?: unknown } | undefined)?.username : undefined;
      if (typeof username !== "string") return undefined;
      remember(accountId, username);
      return username;
    },
  };
}

export type Profiles = ReturnType<typeof createProfiles>;
