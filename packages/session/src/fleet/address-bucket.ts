import { isIP } from "node:net";

/**
 * Per-address limits count IPv6 clients per network, not per address: one subscriber is usually handed a
 * whole /64 (2^64 addresses), so counting full addresses would give it unlimited sign-in guesses,
 * registrations and streams. CLIENT_IPV6_PREFIX sets the length (a /56 or /48 for providers that hand out
 * larger blocks). IPv4 addresses are counted as they are: one address is what one subscriber (or one office
 * behind NAT) gets.
 */
export const defaultIpv6PrefixLength = 64;

/**
 * The key a client address is counted under: an IPv4 address as it is, an IPv6 address as its first
 * `prefixLength` bits (`2001:db8:1:2::/64`); undefined for an unknown address or anything that is not one.
 */
export function addressBucket(address: string | undefined, prefixLength = defaultIpv6PrefixLength): string | undefined {
  if (address === undefined) return undefined;
  // An IPv4 client of a dual-stack socket (`::ffff:203.0.113.7`) is that IPv4 address, not one of a shared /64.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped && isIP(mapped) === 4) return mapped;
  const family = isIP(address);
  if (family === 4) return address;
  if (family !== 6) return undefined;
  const groups = ipv6Groups(address);
  let bitsLeft = prefixLength;
  const masked = groups.map((group) => {
    const keep = Math.max(0, Math.min(16, bitsLeft));
    bitsLeft -= 16;
    return keep === 0 ? 0 : group & ((0xffff << (16 - keep)) & 0xffff);
  });
  return `${masked.map((group) => group.toString(16)).join(":")}/${prefixLength}`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, an embedded IPv4 tail split in two, a zone dropped). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase().replace(/%.*$/, "");
  const ipv4Tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (ipv4Tail) {
    const [a, b, c, d] = ipv4Tail.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, ipv4Tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((group) => Number.parseInt(group, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
