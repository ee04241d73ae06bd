import { clientAddress, parseTrustedProxies } from "../src/server/client-address";
import { describe, expect, it } from "vitest";

const none = parseTrustedProxies(undefined);

describe("clientAddress", () => {
  it("is the socket's address when no proxy is trusted, whatever X-Forwarded-For says", () => {
    expect(clientAddress("127.0.0.1", undefined, none)).toBe("127.0.0.1");
    expect(clientAddress("127.0.0.1", "203.0.113.9", none)).toBe("127.0.0.1");
    expect(clientAddress("::ffff:10.1.2.3", "203.0.113.9, 198.51.100.2", none)).toBe("10.1.2.3");
    expect(clientAddress("::1", ["1.1.1.1", "2.2.2.2"], parseTrustedProxies(""))).toBe("::1");
  });

  it("behind N trusted hops, takes the hop the nearest untrusted one appended; what the client wrote before it is ignored", () => {
    const one = parseTrustedProxies("1");
    expect(clientAddress("10.0.0.5", "203.0.113.9", one)).toBe("203.0.113.9");
    expect(clientAddress("10.0.0.5", "6.6.6.6, 7.7.7.7, 203.0.113.9", one)).toBe("203.0.113.9");
    expect(clientAddress("10.0.0.5", ["6.6.6.6", "203.0.113.9"], one)).toBe("203.0.113.9");
    expect(clientAddress("10.0.0.5", "6.6.6.6, 203.0.113.9, 10.0.0.4", parseTrustedProxies("2"))).toBe("203.0.113.9");
    // Fewer hops than trusted: the farthest one there is.
    expect(clientAddress("10.0.0.5", "203.0.113.9", parseTrustedProxies("3"))).toBe("203.0.113.9");
    // No header at all: the proxy itself.
    expect(clientAddress("10.0.0.5", undefined, one)).toBe("10.0.0.5");
  });

  it("with trusted addresses and ranges, walks back over them only", () => {
    const ranges = parseTrustedProxies("10.0.0.0/8, ::1, 192.168.1.7");
    expect(clientAddress("10.0.0.5", "203.0.113.9, 192.168.1.7", ranges)).toBe("203.0.113.9");
    expect(clientAddress("::1", "203.0.113.9", ranges)).toBe("203.0.113.9");
    // The socket is not a trusted proxy: its address is the client's, the header a lie.
    expect(clientAddress("198.51.100.3", "203.0.113.9", ranges)).toBe("198.51.100.3");
    // A client's own 10.x entry is only trusted if a trusted proxy vouches for what is after it.
    expect(clientAddress("10.0.0.5", "6.6.6.6, 10.9.9.9, 203.0.113.9", ranges)).toBe("203.0.113.9");
  });

  it("stops at a hop that is not an address", () => {
    const one = parseTrustedProxies("1");
    expect(clientAddress("10.0.0.5", "not-an-ip", one)).toBe("10.0.0.5");
    expect(clientAddress("10.0.0.5", "203.0.113.9, <script>", one)).toBe("10.0.0.5");
    expect(clientAddress(undefined, "203.0.113.9", one)).toBeUndefined();
  });
});

describe("parseTrustedProxies", () => {
  it.each(["-1", "abc", "10.0.0.0/33", "10.0.0.0/x", "::1/129", "1.2.3", "99"])("refuses %j with what to write", (raw) => {
    expect(() => parseTrustedProxies(raw)).toThrow(/TRUSTED_PROXIES must be a number of proxy hops/);
  });
});
