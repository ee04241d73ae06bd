import { errors } from "oidc-provider";
import { hashedName } from "../../session-id";
import type { OidcRecords } from "./records";
import type { RecordSealer } from "../sealing";

/**
 * oidc-provider's storage adapter over the fleet's store (records.ts): one class per model (AuthorizationCode,
 * AccessToken, RefreshToken, Grant, Session, Interaction, …), as oidc-provider asks. At rest, a record is
 * named by the SHA-256 of its id (a code, a token: a dump of the store gives none of them back) and its
 * payload is sealed under the fleet's SESSION_PASSWORD (../sealing.ts).
 *
 * - A code is marked used as its exchange reads it (one atomic script; a refresh token, at `consume`, with
 *   SET NX): of two exchanges racing with one code, one gets tokens and the other `invalid_grant`, and what
 *   the code issued is revoked (a replay). A code that fails its exchange (a wrong verifier) is spent too.
 * - A Grant answers only while the fleet session it was made in (its note: sign-ins.ts `bindGrant`) is
 *   alive: so refresh, userinfo and introspection end with the fleet's session, however it ended.
 * - Revoking a grant deletes the Grant record: every use of a code or token (exchange, refresh, userinfo,
 *   introspection) loads its grant and fails without it, so no per-grant index of tokens is kept (it cost two
 *   commands per exchange); the tokens themselves expire with their TTL, hashed and sealed meanwhile.
 * - A provider session is stored under its id and, whole, under its uid too, which is how the token
 *   endpoint finds it (one read, not two).
 */
export interface AdapterOptions {
  records: OidcRecords;
  sealer: RecordSealer;
  /** The longest a record is kept, in seconds, whatever oidc-provider asks (the fleet's absolute timeout). */
  maxTtlSeconds: number;
  /** Whether the fleet session a grant's note names is alive. */
  isSessionAlive(publicId: string | undefined): Promise<boolean>;
}

/** The name a model's record is stored under: its id hashed. */
export const recordName = (model: string, id: string): string => `${model}:${hashedName(id)}`;

/** The models oidc-provider consumes: single use. */
const consumable = new Set(["AuthorizationCode", "RefreshToken", "DeviceCode", "BackchannelAuthenticationRequest"]);

type Payload = Record<string, unknown> & { grantId?: string; uid?: string; consumed?: number };

/** One model's storage, as oidc-provider calls it. */
export interface ModelStorage {
  upsert(id: string, payload: Payload, expiresIn?: number): Promise<void>;
  find(id: string): Promise<Payload | undefined>;
  findByUid(uid: string): Promise<Payload | undefined>;
  findByUserCode(userCode: string): Promise<undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

export function fleetAdapter({ records, sealer, maxTtlSeconds, isSessionAlive }: AdapterOptions): new (name: string) => ModelStorage {
  const ttlOf = (expiresIn: number | undefined) => Math.max(1, Math.min(maxTtlSeconds, Math.ceil(expiresIn ?? maxTtlSeconds)));
  const open = (sealed: string, name: string) => sealer.open(sealed, name) as Payload | undefined;

  const revokeByGrantId = (grantId: string) => records.delete(recordName("Grant", grantId));

  return class FleetAdapter {
    readonly #name: string;
    constructor(name: string) {
      this.#name = name;
    }

    #key(id: string): string {
      return recordName(this.#name, id);
    }

    async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
      const ttl = ttlOf(expiresIn);
      const key = this.#key(id);
      const writes = [records.put(key, sealer.seal(payload, key), ttl)];
      if (this.#name === "Session" && typeof payload.uid === "string") {
        const uidKey = recordName("SessionUid", payload.uid);
        writes.push(records.put(uidKey, sealer.seal(payload, uidKey), ttl));
      }
      await Promise.all(writes);
    }

    async find(id: string): Promise<Payload | undefined> {
      const key = this.#key(id);
      // Only the token endpoint reads a code, to exchange it: read and spend it in one step.
      const record = this.#name === "AuthorizationCode" ? await records.takeOnce(key, maxTtlSeconds) : await records.get(key);
      const payload = record && open(record.value, key);
      if (!payload) return undefined;
      // A grant's note names the fleet session it was made in (records.get reads it with the grant).
      if (this.#name === "Grant" && !(await isSessionAlive((record as { note?: string }).note))) return undefined;
      return record.markedAt === undefined ? payload : { ...payload, consumed: record.markedAt };
    }

    async findByUid(uid: string): Promise<Payload | undefined> {
      const uidKey = recordName("SessionUid", uid);
      const record = await records.get(uidKey);
      return record ? open(record.value, uidKey) : undefined;
    }

    async findByUserCode(): Promise<undefined> {
      return undefined; // the device flow is off
    }

    async consume(id: string): Promise<void> {
      // A code was spent by its read (find); a rotated refresh token is marked here.
      if (!consumable.has(this.#name) || this.#name === "AuthorizationCode") return;
      if (await records.markOnce(this.#key(id), maxTtlSeconds)) return;
      // Lost the race with another use of the same token: a replay, so what it issued goes too.
      const grantId = (await this.find(id))?.grantId;
      if (grantId) await revokeByGrantId(grantId);
      throw new errors.InvalidGrant("token already used");
    }

    async destroy(id: string): Promise<void> {
      if (this.#name === "Session") {
        const uid = (await this.find(id))?.uid;
        if (typeof uid === "string") await records.delete(recordName("SessionUid", uid));
      }
      await records.delete(this.#key(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await revokeByGrantId(grantId);
    }
  };
}
