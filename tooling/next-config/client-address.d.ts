import type { AsyncLocalStorage } from "node:async_hooks";
import type { BlockList } from "node:net";

export type TrustedProxies = { hops: number } | { list: BlockList; description: string };
export const clientAddresses: AsyncLocalStorage<string | undefined>;
export function currentClientAddress(): string | undefined;
export function parseTrustedProxies(raw: string | undefined): TrustedProxies;
export function clientAddress(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, trusted: TrustedProxies): string | undefined;
