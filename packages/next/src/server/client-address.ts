import { processWide } from "@ironlink/session/fleet";
import { AsyncLocalStorage } from "node:async_hooks";
import { BlockList, isIP } from "node:net";

/**
 * The client's address, taken from the socket before Next sees the request. Next keeps a client's own
 * `X-Forwarded-For` (it fills the header from the socket only when it is absent) and `NextRequest` has no
 * `ip`, so inside the app the socket is out of reach: `ironlink-next` (./server.js) computes the address
 * here and runs Next's handler inside this store. One per process (processWide): the app's
 * server bundle has its own copy of this module.
 */
export const clientAddresses = processWide("ironlink.client-addresses", () => new AsyncLocalStorage<string | undefined>());

/**
 * The address of the client of the current request, or undefined when the app does not run under
 * `ironlink-next` (plain `next start`): then nothing trustworthy is known.
 */
export function currentClientAddress(): string | undefined {
  return clientAddresses.getStore();
}

/**
 * Proxies in front of the app: a count of hops (each appends to X-Forwarded-For), or the addresses and
 * CIDR ranges they connect from.
 */
export type TrustedProxies = { hops: number } | { list: BlockList; description: string };

/** The documented form of TRUSTED_PROXIES, for error messages. */
const trustedProxiesHelp =
  "TRUSTED_PROXIES must be a number of proxy hops (e.g. 1) or a comma-separated list of addresses and CIDR ranges (e.g. 10.0.0.0/8,::1)";

/**
 * Reads TRUSTED_PROXIES. Unset or empty: no proxy is trusted, the socket's address is the client's.
 */
export function parseTrustedProxies(raw: string | undefined): TrustedProxies {
  const value = raw?.trim() ?? "";
  if (value === "") return { hops: 0 };
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > 32) throw new Error(`${trustedProxiesHelp}; got ${value} hops.`);
    return { hops };
  }
  const list = new BlockList();
  for (const entry of value.split(",").map((part) => part.trim())) {
    const [address = "", prefix] = entry.split("/");
    const family = isIP(address);
    const maxPrefix = family === 4 ? 32 : 128;
    if (family === 0 || (prefix !== undefined && !(/^\d+$/.test(prefix) && Number(prefix) <= maxPrefix))) {
      throw new Error(`${trustedProxiesHelp}; "${entry}" is neither.`);
    }
    const type = family === 4 ? "ipv4" : "ipv6";
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return { list, description: value };
}

/**
 * The client's address: the socket's, or, behind trusted proxies, the nearest X-Forwarded-For hop that is
 * not one of them. A client can prepend anything to the header; only hops appended by trusted proxies count,
 * walking from the socket towards the client. A hop that is not an address ends the walk at the last good one.
 */
export function clientAddress(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, trusted: TrustedProxies): string | undefined {
  let address = normalize(socketAddress);
  if (!address) return undefined;
  const hops = [forwardedFor ?? ""].flat().join(",").split(",").map(normalize).reverse();
  for (let index = 0; index < hops.length && isTrusted(address, index, trusted); index++) {
    const hop = hops[index];
    if (!hop) break;
    address = hop;
  }
  return address;
}

/** `index`: how many hops were walked. */
function isTrusted(address: string, index: number, trusted: TrustedProxies): boolean {
  if ("hops" in trusted) return index < trusted.hops;
  return trusted.list.check(address, isIP(address) === 4 ? "ipv4" : "ipv6");
}

/** An IP address as a plain string (IPv4-mapped IPv6 as IPv4), or undefined if it is not one. */
function normalize(value: string | undefined): string | undefined {
  const trimmed = value?.trim().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "") ?? "";
  return isIP(trimmed) ? trimmed : undefined;
}

let warned = false;
/** `address`, after saying once per process when it is unknown: per-address sign-in limits are off then. */
export function warnIfAddressUnknown(address: string | undefined): string | undefined {
  if (address === undefined && !warned) {
    warned = true;
    console.warn("ironlink: the client's address is unknown (the app does not run under `ironlink-next`), so per-address sign-in limits are off.");
  }
  return address;
}
