import { describe, expect, test } from "vitest";
import { readFleetConfig } from "../src/fleet/config";
import type { Handoff } from "../src/fleet/handoff";
import { callbackPath, cancelUrl, finishSignIn, markSeenOn, returnToSatellite, sharesSignInCookie, startSignIn, verifierCookieName, verifierFrom } from "../src/fleet/satellite";
import { password } from "./helpers";

const origins = "http://one.alpha.test:5000,http://two.beta.test:7000,http://one.fleet.test:5000,http://two.fleet.test:7000";
const sites = readFleetConfig({ SESSION_PASSWORD: password, APP_ORIGINS: origins, LOGIN_URL: "http://one.alpha.test:5000" });
const subdomains = readFleetConfig({ SESSION_PASSWORD: password, APP_ORIGINS: origins, LOGIN_URL: "http://one.fleet.test:5000", COOKIE_DOMAIN: "fleet.test" });

/** A handoff that records what it was asked, so the flow's decisions can be checked without a store. */
function recordingHandoff(redeemed: string | null = "sealed-cookie") {
  const calls: unknown[] = [];
  const handoff: Handoff = {
    issue: async (_session, binding) => {
      calls.push(binding);
      return "C".repeat(43);
    },
    redeem: async (input) => {
      calls.push(input);
      return redeemed ?? undefined;
    },
  };
  return { handoff, calls };
}

describe("which apps are satellites", () => {
  test("one host shares the cookie across ports; another host does not; COOKIE_DOMAIN covers its subdomains only", () => {
    expect(sharesSignInCookie(sites, "http://one.alpha.test:7000")).toBe(true);
    expect(sharesSignInCookie(sites, "http://two.beta.test:7000")).toBe(false);
    expect(sharesSignInCookie(subdomains, "http://two.fleet.test:7000")).toBe(true);
    expect(sharesSignInCookie(subdomains, "http://fleet.test")).toBe(true);
    expect(sharesSignInCookie(subdomains, "http://evilfleet.test")).toBe(false);
  });
});

describe("the satellite flow", () => {
  test("start: a verifier cookie for the callback path only, and the sign-in page with the absolute return and its challenge", async () => {
    const answer = await startSignIn(sites, async () => true, { publicUrl: "http://two.beta.test:7000", next: "/reports?y=1" });
    if (answer.kind !== "redirect") throw new Error(answer.kind);
    const login = new URL(answer.location);
    expect(login.origin + login.pathname).toBe("http://one.alpha.test:5000/login");
    expect(login.searchParams.get("next")).toBe("http://two.beta.test:7000/reports?y=1");
    expect(login.searchParams.get("challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(answer.cookie).toMatchObject({ name: verifierCookieName, options: { httpOnly: true, sameSite: "lax", path: callbackPath } });
    expect(answer.cookie.value).not.toBe(login.searchParams.get("challenge"));
  });

  test("start while the sign-in app is down: no redirect", async () => {
    expect(await startSignIn(sites, async () => false, { publicUrl: "http://two.beta.test:7000", next: "/" })).toEqual({ kind: "sign-in-down" });
  });

  test("back to the satellite: a code bound to its origin and challenge; without a challenge, the satellite starts over", async () => {
    const { handoff, calls } = recordingHandoff();
    const next = new URL("http://two.beta.test:7000/reports");
    const withCode = new URL(await returnToSatellite(handoff, {}, { next, challenge: "A".repeat(43) }));
    expect(withCode.origin + withCode.pathname).toBe(`http://two.beta.test:7000${callbackPath}`);
    expect(Object.fromEntries(withCode.searchParams)).toEqual({ code: "C".repeat(43), next: "/reports" });
    expect(calls).toEqual([{ origin: "http://two.beta.test:7000", challenge: "A".repeat(43) }]);
    expect(await returnToSatellite(handoff, {}, { next, challenge: "not a challenge" })).toBe("http://two.beta.test:7000/api/ironlink/start?next=%2Freports");
    expect(calls).toHaveLength(1);
    expect(cancelUrl(next)).toBe(`http://two.beta.test:7000${callbackPath}?error=cancelled&next=%2Freports`);
  });

  test("callback: signed in with a normalised next; cancelled, no cookie and refused codes are told apart; the verifier is always cleared", async () => {
    const publicUrl = "http://two.beta.test:7000";
    const query = (value: string) => new URLSearchParams(value);
    const ok = await finishSignIn(sites, recordingHandoff().handoff, { publicUrl, query: query("code=x&next=//evil.test"), verifier: "v" });
    expect(ok).toMatchObject({ kind: "signed-in", location: "/", sessionCookie: "sealed-cookie", clearVerifier: { name: verifierCookieName, value: "", options: { maxAge: 0 } } });
    expect((await finishSignIn(sites, recordingHandoff().handoff, { publicUrl, query: query("error=cancelled"), verifier: "v" })).kind).toBe("cancelled");
    // A code that opened nothing: on to a URL without it, which says why.
    expect(await finishSignIn(sites, recordingHandoff(null).handoff, { publicUrl, query: query("code=x&next=/a"), verifier: undefined })).toMatchObject({
      kind: "refused",
      location: `${callbackPath}?error=cookie-missing&next=%2Fa`,
    });
    expect(await finishSignIn(sites, recordingHandoff(null).handoff, { publicUrl, query: query("code=x"), verifier: "v" })).toMatchObject({ location: `${callbackPath}?error=invalid&next=%2F` });
    for (const kind of ["cookie-missing", "invalid"]) {
      expect((await finishSignIn(sites, recordingHandoff().handoff, { publicUrl, query: query(`error=${kind}`), verifier: "v" })).kind).toBe(kind);
    }
  });

  test("the verifier is read only when the browser sent exactly one", () => {
    expect(verifierFrom(`a=1; ${verifierCookieName}=abc`)).toBe("abc");
    expect(verifierFrom(`${verifierCookieName}=abc; ${verifierCookieName}=planted`)).toBeUndefined();
    expect(verifierFrom(undefined)).toBeUndefined();
  });

  test("seenOn keeps each origin once", () => {
    const data: { seenOn?: unknown } = { seenOn: ["http://one.alpha.test:5000"] };
    markSeenOn(data, "http://two.beta.test:7000");
    markSeenOn(data, "http://two.beta.test:7000");
    expect(data.seenOn).toEqual(["http://one.alpha.test:5000", "http://two.beta.test:7000"]);
  });
});
