import { headers } from "next/headers";
import { nonceRequestHeader } from "./server/security-headers";

/**
 * The nonce the proxy made for this page's Content-Security-Policy, for the page's own inline <style> (Next
 * puts it on its scripts by itself). Undefined where the proxy does not run; no policy is sent there either.
 */
export async function requestNonce(): Promise<string | undefined> {
  return (await headers()).get(nonceRequestHeader) ?? undefined;
}
