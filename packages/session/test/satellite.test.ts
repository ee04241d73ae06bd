import { describe, expect, test } from "vitest";
import { readFleetConfig } from "../src/fleet/config";
import type { Handoff, Redeemed } from "../src/fleet/handoff";
import {
  callbackPath,
  cancelUrl,
  finishSignIn,
  handoffPageHtml,
  markSeenOn,
  returnToSatellite,
  secureVerifierCookieName,
  sharesSignInCookie,
  startSignIn,
  verifierCookieName,
  verifierFrom,
} from "../src/fleet/satellite";
import { password } from "./helpers";

const origins = "http://one.alpha.test:5000,http://two.beta.test:7000,http://one.fleet.test:5000,http://two.fleet.test:7000";
const sites = readFleetConfig({ SESSION_PASSWORD: password, APP_ORIGINS: origins, LOGIN_URL: "http://one.alpha.test:5000" });
const secureSites = readFleetConfig({ SESSION_PASSWORD: password, APP_ORIGINS: origins, LOGIN_URL: "http://one.alpha.test:5000", COOKIE_SECURE: "true" });
const subdomains = readFleetConfig({ SESSION_PASSWORD: password, APP_ORIGINS: origins, LOGIN_URL: "http://one.fleet.test:5000", COOKIE_DOMAIN: "fleet.test" });

/** A handoff that records what it was asked, so the flow's decisions can be checked without a store. */
function recordingHandoff(redeemed: Redeemed | null = { kind: "signed-in", sessionCookie: "sealed-cookie" }) {
  const calls: unknown[] = [];
  const handoff: Handoff = {
    issue: async (_session, binding) => {
      calls.push(binding);
      return "C".repeat(43);
    },
    redeem: async (input) => {
      calls.push(input);
      // As the real one: nothing without a verifier.
      return input.verifier === undefined ? undefined : (redeemed ?? undefined);
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
    expect(answer.cookie).toEqual({ name: verifierCookieName, value: answer.cookie.value, options: { httpOnly: true, sameSite: "lax", secure: false, path: callbackPath, maxAge: 600 } });
    expect(answer.cookie.value).not.toBe(login.searchParams.get("challenge"));
  });

  test("start on a Secure app: the verifier is __Host- prefixed (host-only, Path=/, Secure), so no other host and no plain-HTTP answer can plant it", async () => {
    const answer = await startSignIn(secureSites, async () => true, { publicUrl: "https://two.beta.test", next: "/" });
    if (answer.kind !== "redirect") throw new Error(answer.kind);
    expect(answer.cookie.name).toBe(`__Host-${verifierCookieName}`);
    expect(answer.cookie.options).toEqual({ httpOnly: true, sameSite: "lax", secure: true, path: "/", maxAge: 600 });
    expect(answer.cookie.options).not.toHaveProperty("domain");
    // Every callback answer clears it, and the unprefixed one a Secure app set before the prefix (at the callback's path).
    const done = await finishSignIn(secureSites, recordingHandoff().handoff, { publicUrl: "https://two.beta.test", query: new URLSearchParams("error=cancelled"), cookieHeader: "" });
    expect(done.clearVerifier).toEqual([
      { name: secureVerifierCookieName, value: "", options: { httpOnly: true, sameSite: "lax", secure: true, path: "/", maxAge: 0 } },
      { name: verifierCookieName, value: "", options: { httpOnly: true, sameSite: "lax", secure: true, path: callbackPath, maxAge: 0 } },
    ]);
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
    const cookieHeader = `${verifierCookieName}=v`;
    const ok = await finishSignIn(sites, recordingHandoff().handoff, { publicUrl, query: query("code=x&next=//evil.test"), cookieHeader });
    expect(ok).toMatchObject({ kind: "signed-in", location: "/", sessionCookie: "sealed-cookie", clearVerifier: [{ name: verifierCookieName, value: "", options: { maxAge: 0 } }] });
    expect((await finishSignIn(sites, recordingHandoff().handoff, { publicUrl, query: query("error=cancelled"), cookieHeader })).kind).toBe("cancelled");
    // A code that opened nothing: on to a URL without it, which says why.
    expect(await finishSignIn(sites, recordingHandoff(null).handoff, { publicUrl, query: query("code=x&next=/a"), cookieHeader: undefined })).toMatchObject({
      kind: "refused",
      location: `${callbackPath}?error=cookie-missing&next=%2Fa`,
    });
    expect(await finishSignIn(sites, recordingHandoff(null).handoff, { publicUrl, query: query("code=x"), cookieHeader })).toMatchObject({ location: `${callbackPath}?error=invalid&next=%2F` });
    for (const kind of ["cookie-missing", "invalid", "other-user"]) {
      expect((await finishSignIn(sites, recordingHandoff().handoff, { publicUrl, query: query(`error=${kind}`), cookieHeader })).kind).toBe(kind);
    }
  });

  test("callback with two verifiers (one planted): the code is spent without a verifier, and the answer is 'invalid'", async () => {
    const { handoff, calls } = recordingHandoff();
    const cookieHeader = `${verifierCookieName}=mine; ${verifierCookieName}=planted`;
    const answer = await finishSignIn(sites, handoff, { publicUrl: "http://two.beta.test:7000", query: new URLSearchParams("code=x&next=/a"), cookieHeader });
    expect(answer).toMatchObject({ kind: "refused", location: `${callbackPath}?error=invalid&next=%2Fa` });
    expect(calls).toEqual([{ code: "x", origin: "http://two.beta.test:7000", verifier: undefined, cookieHeader }]);
  });

  test("callback while the browser is signed in here as someone else: refused with its own page (409, no retry link)", async () => {
    const handoff = recordingHandoff({ kind: "other-user" }).handoff;
    const answer = await finishSignIn(sites, handoff, { publicUrl: "http://two.beta.test:7000", query: new URLSearchParams("code=x&next=/a"), cookieHeader: `${verifierCookieName}=v` });
    expect(answer).toMatchObject({ kind: "refused", location: `${callbackPath}?error=other-user&next=%2Fa` });
    const html = handoffPageHtml("other-user", "/api/ironlink/start?next=%2Fa");
    expect(html).toContain("signed in as someone else");
    expect(html).toContain("sign out");
    expect(html).not.toContain("Sign in again");
    expect(handoffPageHtml("invalid", "/api/ironlink/start?next=%2Fa")).toContain("Sign in again");
  });

  test("the verifier is read from the raw header only when the browser sent exactly one, of the name this app sets", () => {
    const plain = `${verifierCookieName}`;
    const prefixed = `${secureVerifierCookieName}`;
    expect(prefixed).toBe("__Host-ironlink_handoff");
    expect(verifierFrom(sites, `a=1; ${plain}=abc`)).toEqual({ kind: "one", verifier: "abc" });
    expect(verifierFrom(secureSites, `a=1; ${prefixed}=abc`)).toEqual({ kind: "one", verifier: "abc" });
    expect(verifierFrom(sites, undefined)).toEqual({ kind: "none" });
    expect(verifierFrom(secureSites, "a=1")).toEqual({ kind: "none" });
    // Duplicates of the name the app sets, in any order: one was planted beside ours, so neither counts.
    for (const [config, own] of [[sites, plain], [secureSites, prefixed]] as const) {
      expect(verifierFrom(config, `${own}=abc; ${own}=planted`)).toEqual({ kind: "conflict" });
      expect(verifierFrom(config, `${own}=planted; x=1; ${own}=abc`)).toEqual({ kind: "conflict" });
      expect(verifierFrom(config, `${own}=abc; ${own}=abc`)).toEqual({ kind: "conflict" });
    }
    // A Secure app reads only __Host-: an unprefixed one (anyone who plants cookies can set it) neither signs in nor blocks.
    expect(verifierFrom(secureSites, `${plain}=planted`)).toEqual({ kind: "none" });
    expect(verifierFrom(secureSites, `${prefixed}=abc; ${plain}=planted`)).toEqual({ kind: "one", verifier: "abc" });
    expect(verifierFrom(secureSites, `${plain}=planted; ${plain}=again; ${prefixed}=abc`)).toEqual({ kind: "one", verifier: "abc" });
    expect(verifierFrom(sites, `${prefixed}=abc`)).toEqual({ kind: "none" });
  });

  test("seenOn keeps each origin once", () => {
    const data: { seenOn?: unknown } = { seenOn: ["http://one.alpha.test:5000"] };
    markSeenOn(data, "http://two.beta.test:7000");
    markSeenOn(data, "http://two.beta.test:7000");
    expect(data.seenOn).toEqual(["http://one.alpha.test:5000", "http://two.beta.test:7000"]);
  });
});
