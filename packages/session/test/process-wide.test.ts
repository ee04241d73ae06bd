import { describe, expect, it, vi } from "vitest";
import { processWide } from "../src/process-wide";

describe("processWide", () => {
  it("makes a key's value once and hands the same one to every caller", () => {
    const create = vi.fn(() => ({ connections: 0 }));
    const first = processWide("ironlink.test.process-wide.once", create);
    const second = processWide("ironlink.test.process-wide.once", create);
    expect(second).toBe(first);
    expect(create).toHaveBeenCalledTimes(1);
  });

  it("keeps each key's value apart", () => {
    const a = processWide("ironlink.test.process-wide.a", () => ["a"]);
    const b = processWide("ironlink.test.process-wide.b", () => ["b"]);
    expect(a).toEqual(["a"]);
    expect(b).toEqual(["b"]);
  });

  it("shares a value between copies of the module, as Next's server bundles each load their own", async () => {
    const made = processWide("ironlink.test.process-wide.bundles", () => new Map<string, number>());
    vi.resetModules();
    const copy = (await import("../src/process-wide")) as typeof import("../src/process-wide");
    expect(copy.processWide).not.toBe(processWide); // a second copy of the module, not the first one again
    expect(copy.processWide("ironlink.test.process-wide.bundles", () => new Map<string, number>())).toBe(made);
  });
});
