/**
 * Who a password hash is for: the client's address (its bucket, where the kit groups addresses) and the
 * account (the canonical username). Either may be unknown: an address under plain `next start`, both for
 * a hash an app makes itself (`hashPassword` without one).
 */
export interface HashFairness {
  address?: string;
  account?: string;
}

export type Admission<T> = { admitted: true; displaced?: T } | { admitted: false; reason: "account" | "full" };

/**
 * The waiting room of the hashing lanes, shared fairly (hash-process.ts runs what it hands out).
 *
 * - An account holds at most `perAccount` hashes, running and waiting together: the next is refused at
 *   once, so a few accounts that keep sign-ins in flight cannot fill the room (issue 22: 4 accounts with 4
 *   sign-ins each in flight turned another user's sign-ins into 503s, 7 times in 9).
 * - Waiting hashes are served round-robin: across addresses first, then across the accounts of an address,
 *   so a person waits for a hash of each other client ahead, not for everything a flood queued.
 * - An address has no cap of its own while there is room (an office behind one NAT address signs in at
 *   nine o'clock); when the room is full, a newcomer whose address (or, from the same address, whose
 *   account) waits on at least two hashes fewer than the busiest takes the place of the busiest one's
 *   newest waiting hash, which is refused instead. So a flood keeps nobody out: its own hashes are refused.
 */
export class FairQueue<T extends { readonly fairness: HashFairness }> {
  /** Hashes re-run after their process died: admitted long ago, so they go first and displace nothing. */
  readonly #again: T[] = [];
  /** Waiting hashes by address group, then by account; a Map's order is the round-robin order. */
  readonly #groups = new Map<string, Map<string, T[]>>();
  #waiting = 0;
  /** Hashes admitted and not yet released (running or waiting, in either lane), per account. */
  readonly #held = new Map<string, number>();

  constructor(
    /** Hashes that may wait at once. */
    readonly capacity: number,
    /** Hashes one account may hold, running and waiting. */
    readonly perAccount: number,
  ) {}

  get length(): number {
    return this.#again.length + this.#waiting;
  }

  /** Whether `item` may be hashed, and which waiting hash (if any) it displaced: that one must be refused. */
  admit(item: T): Admission<T> {
    const { account } = item.fairness;
    if (account !== undefined && (this.#held.get(account) ?? 0) >= this.perAccount) return { admitted: false, reason: "account" };
    let displaced: T | undefined;
    if (this.length >= this.capacity) {
      displaced = this.#displaceFor(item.fairness);
      if (!displaced) return { admitted: false, reason: "full" };
    }
    if (account !== undefined) this.#held.set(account, (this.#held.get(account) ?? 0) + 1);
    return { admitted: true, displaced };
  }

  /** Once an admitted hash is settled (answered, failed or displaced). */
  release(item: T): void {
    const { account } = item.fairness;
    if (account === undefined) return;
    const held = (this.#held.get(account) ?? 0) - 1;
    if (held > 0) this.#held.set(account, held);
    else this.#held.delete(account);
  }

  push(item: T): void {
    const [group, account] = keysOf(item.fairness);
    const accounts = this.#groups.get(group) ?? new Map<string, T[]>();
    this.#groups.set(group, accounts); // a group already in line keeps its place
    const waiting = accounts.get(account) ?? [];
    accounts.set(account, waiting);
    waiting.push(item);
    this.#waiting++;
  }

  /** A hash re-run after a crash: first in line. */
  unshift(item: T): void {
    this.#again.unshift(item);
  }

  /** The next hash to run: a re-run, else the first of the next account of the next address; both go to the back of the line. */
  shift(): T | undefined {
    if (this.#again.length > 0) return this.#again.shift();
    const next = this.#groups.entries().next();
    if (next.done) return undefined;
    const [group, accounts] = next.value;
    const [account, waiting] = accounts.entries().next().value as [string, T[]];
    const item = waiting.shift() as T;
    this.#waiting--;
    accounts.delete(account);
    if (waiting.length > 0) accounts.set(account, waiting);
    this.#groups.delete(group);
    if (accounts.size > 0) this.#groups.set(group, accounts);
    return item;
  }

  /**
   * The room is full: the newest waiting hash of the busiest account of the busiest address, if that
   * address waits on more than one hash more than the newcomer's; else, within the newcomer's own address,
   * of its busiest account, under the same rule. Taken out of the line and returned; undefined when the
   * newcomer has its share already.
   */
  #displaceFor(fairness: HashFairness): T | undefined {
    const [group, account] = keysOf(fairness);
    const mine = this.#groups.get(group);
    const busiest = largest([...this.#groups.values()], waitingIn);
    let line: T[] | undefined;
    if (busiest && busiest.map !== mine && busiest.size > waitingIn(mine) + 1) line = longestLine(busiest.map)?.map;
    if (!line && mine) {
      const crowded = longestLine(mine);
      if (crowded && crowded.size > (mine.get(account)?.length ?? 0) + 1) line = crowded.map;
    }
    const item = line?.pop();
    if (item) {
      this.#waiting--;
      this.#forgetEmpty();
    }
    return item;
  }

  #forgetEmpty(): void {
    for (const [group, accounts] of this.#groups) {
      for (const [account, waiting] of accounts) if (waiting.length === 0) accounts.delete(account);
      if (accounts.size === 0) this.#groups.delete(group);
    }
  }
}

/** The round-robin keys: the address (or, unknown, the account) and the account; "" for a hash nobody was named for. */
function keysOf({ address, account }: HashFairness): [group: string, account: string] {
  const group = address !== undefined ? `address:${address}` : account !== undefined ? `account:${account}` : "";
  return [group, account ?? ""];
}

function waitingIn<T>(accounts: Map<string, T[]> | undefined): number {
  let count = 0;
  for (const waiting of accounts?.values() ?? []) count += waiting.length;
  return count;
}

function longestLine<T>(accounts: Map<string, T[]>): { map: T[]; size: number } | undefined {
  return largest([...accounts.values()], (line) => line.length);
}

function largest<M>(maps: M[], sizeOf: (map: M) => number): { map: M; size: number } | undefined {
  let best: { map: M; size: number } | undefined;
  for (const map of maps) {
    const size = sizeOf(map);
    if (!best || size > best.size) best = { map, size };
  }
  return best;
}
