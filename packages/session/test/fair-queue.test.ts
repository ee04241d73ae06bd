import { describe, expect, it } from "vitest";
import { FairQueue, type HashFairness } from "../src/fleet/accounts/users/fair-queue";

interface Hash {
  name: string;
  fairness: HashFairness;
}

const hash = (name: string, address?: string, account?: string): Hash => ({
  name,
  fairness: { ...(address === undefined ? {} : { address }), ...(account === undefined ? {} : { account }) },
});

/** Admits and queues each hash, as scryptInBackground does; returns the names displaced, in order. */
function arrive(queue: FairQueue<Hash>, ...hashes: Hash[]): string[] {
  const displaced: string[] = [];
  for (const item of hashes) {
    const admission = queue.admit(item);
    if (!admission.admitted) throw new Error(`${item.name} refused (${admission.reason})`);
    if (admission.displaced) displaced.push(admission.displaced.name);
    queue.push(item);
  }
  return displaced;
}

function drain(queue: FairQueue<Hash>): string[] {
  const order: string[] = [];
  for (let item = queue.shift(); item; item = queue.shift()) {
    order.push(item.name);
    queue.release(item);
  }
  return order;
}

describe("FairQueue", () => {
  it("serves waiting hashes round-robin: across addresses first, then across the accounts of an address", () => {
    const queue = new FairQueue<Hash>(10, 5);
    arrive(queue, hash("x1", "A", "x"), hash("x2", "A", "x"), hash("x3", "A", "x"), hash("y1", "B", "y"), hash("z1", "A", "z"), hash("y2", "B", "y"));
    expect(queue.length).toBe(6);
    expect(drain(queue)).toEqual(["x1", "y1", "z1", "y2", "x2", "x3"]);
    expect(queue.length).toBe(0);
    expect(queue.shift()).toBeUndefined();
  });

  it("refuses an account's hash beyond its share at once, running ones included, until one is released", () => {
    const queue = new FairQueue<Hash>(10, 2);
    const first = hash("a1", "A", "alice");
    arrive(queue, first, hash("a2", "B", "alice"));
    expect(queue.shift()).toBe(first); // running now: still held
    expect(queue.admit(hash("a3", "C", "alice"))).toEqual({ admitted: false, reason: "account" });
    expect(queue.admit(hash("b1", "A", "bob"))).toEqual({ admitted: true, displaced: undefined });
    queue.release(first);
    expect(queue.admit(hash("a3", "C", "alice")).admitted).toBe(true);
  });

  it("lets one address fill the room while nobody else waits: an office behind one NAT address", () => {
    const queue = new FairQueue<Hash>(4, 2);
    expect(arrive(queue, ...Array.from({ length: 4 }, (_, i) => hash(`s${i}`, "office", `staff${i}`)))).toEqual([]);
    // Full, and every account of it waits on one hash: a fifth person has as much as the others, and waits.
    expect(queue.admit(hash("s4", "office", "staff4"))).toEqual({ admitted: false, reason: "full" });
  });

  it("gives a newcomer from a quieter address the place of the busiest address's newest waiting hash", () => {
    const queue = new FairQueue<Hash>(4, 2);
    arrive(queue, hash("f1", "flood", "f"), hash("g1", "flood", "g"), hash("f2", "flood", "f"), hash("g2", "flood", "g"));
    expect(arrive(queue, hash("v1", "victim", "v"))).toEqual(["f2"]);
    expect(queue.length).toBe(4);
    expect(drain(queue)).toEqual(["f1", "v1", "g1", "g2"]);
  });

  it("from the same address, gives a newcomer account the place of the busiest account's newest waiting hash", () => {
    const queue = new FairQueue<Hash>(4, 4);
    arrive(queue, ...Array.from({ length: 4 }, (_, i) => hash(`f${i}`, "shared", "flooder")));
    expect(arrive(queue, hash("v1", "shared", "victim"))).toEqual(["f3"]);
    expect(drain(queue)).toEqual(["f0", "v1", "f1", "f2"]);
  });

  it("displaces nothing for a newcomer who already waits on as many as the busiest, and evens out the rest", () => {
    const queue = new FairQueue<Hash>(4, 4);
    arrive(queue, hash("a1", "A", "a"), hash("a2", "A", "a"), hash("b1", "B", "b"), hash("b2", "B", "b"));
    expect(queue.admit(hash("a3", "A", "a"))).toEqual({ admitted: false, reason: "full" });
    expect(queue.admit(hash("b3", "B", "b"))).toEqual({ admitted: false, reason: "full" });
    // A third address waits on none: it takes a place; then each waits on fewer than one more than it.
    expect(arrive(queue, hash("c1", "C", "c"))).toEqual(["a2"]);
    expect(queue.admit(hash("c2", "C", "c"))).toEqual({ admitted: false, reason: "full" });
    expect(drain(queue)).toEqual(["a1", "b1", "c1", "b2"]);
  });

  it("groups by account where the address is unknown, and keeps hashes nobody was named for in one line, bounded by the room only", () => {
    const queue = new FairQueue<Hash>(3, 1);
    arrive(queue, hash("n1"), hash("n2"), hash("u1", undefined, "u"));
    expect(queue.admit(hash("n3"))).toEqual({ admitted: false, reason: "full" });
    expect(drain(queue)).toEqual(["n1", "u1", "n2"]);
  });

  it("puts a hash re-run after a crash first, without meeting the bound", () => {
    const queue = new FairQueue<Hash>(2, 2);
    const rerun = hash("r", "A", "a");
    arrive(queue, rerun, hash("b", "B", "b"));
    expect(queue.shift()).toBe(rerun);
    arrive(queue, hash("c", "C", "c"));
    queue.unshift(rerun);
    expect(queue.length).toBe(3);
    expect(drain(queue)).toEqual(["r", "b", "c"]);
  });
});
