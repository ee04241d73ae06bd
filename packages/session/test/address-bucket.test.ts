import { describe, expect, it } from "vitest";
import { addressBucket } from "../src/fleet/address-bucket";

describe("addressBucket", () => {
  it("keeps IPv4 addresses as they are", () => {
    expect(addressBucket("203.0.113.7")).toBe("203.0.113.7");
    // …also when a dual-stack socket reports them IPv4-mapped: each is its own client, not one /64.
    expect(addressBucket("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(addressBucket("::FFFF:198.51.100.1")).toBe("198.51.100.1");
  });

  it("counts IPv6 addresses per /64 by default, however they are spelled", () => {
    const bucket = "2001:db8:1:2:0:0:0:0/64";
    expect(addressBucket("2001:db8:1:2::1")).toBe(bucket);
    expect(addressBucket("2001:0DB8:0001:0002:ffff:eeee:dddd:cccc")).toBe(bucket);
    expect(addressBucket("2001:db8:1:2:a:b:1.2.3.4")).toBe(bucket);
    expect(addressBucket("fe80::1%eth0")).toBe("fe80:0:0:0:0:0:0:0/64");
    expect(addressBucket("2001:db8:1:3::1")).not.toBe(bucket);
  });

  it("takes other prefix lengths, also inside a group", () => {
    expect(addressBucket("2001:db8:1:2ff::1", 56)).toBe("2001:db8:1:200:0:0:0:0/56");
    expect(addressBucket("2001:db8:abcd:1::1", 48)).toBe("2001:db8:abcd:0:0:0:0:0/48");
    expect(addressBucket("::1", 128)).toBe("0:0:0:0:0:0:0:1/128");
  });

  it("has no bucket for an unknown address or anything that is not one", () => {
    expect(addressBucket(undefined)).toBeUndefined();
    expect(addressBucket("not-an-address")).toBeUndefined();
  });
});
