import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import { isoBase64URL } from "@simplewebauthn/server/helpers";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import "@ironlink/testing"; // types inject("redisConnection")
import type { AccountPolicy, SignInContext } from "../src/fleet/accounts/account";
import { FactorStore } from "../src/fleet/accounts/factors/factor-store";
import { pendingMs, pendingSignIn } from "../src/fleet/accounts/factors/session-state";
import { totpCode, totpSettings } from "../src/fleet/accounts/factors/totp";
import { factorLimits } from "../src/fleet/accounts/factors/types";
import { messages } from "../src/fleet/accounts/messages";
import { accountStorage } from "../src/fleet/accounts/storage";
import { rateLimitDefaults } from "../src/fleet/sign-in-settings";
import { createFleet, type Fleet, readFleetConfig } from "../src/fleet/index";
import { sessionInfo } from "../src/session";
import { MemoryCookieStore, password as sessionPassword } from "./helpers";
import { type SoftAuthenticator, softAuthenticator } from "./soft-authenticator";

/**
 * The fleet's account flows with passkeys, two-step verification and step-up (issue 26), end to end through
 * `fleet.accounts` on Redis and on the file store: real password hashes, real TOTP codes (totp.ts) and real
 * signed WebAuthn answers (soft-authenticator.ts). A "browser" is a cookie jar; each flow gets its session.
 *
 * Time: Date.now is the real clock plus an offset that only moves forward (advance()), so TOTP steps, the
 * pending sign-in and the WebAuthn challenges can expire without waiting, while everything else keeps running.
 */
const loginOrigin = "http://localhost:5000";
const userPassword = "factor-flows-Passw0rd-9Zq!";
const policy: AccountPolicy = { registration: true };

const realNow = Date.now;
let offsetMs = 0;
const advance = (ms: number) => {
  offsetMs += ms;
};
beforeAll(() => {
  vi.spyOn(Date, "now").mockImplementation(() => realNow.call(Date) + offsetMs);
});
afterAll(() => {
  vi.restoreAllMocks();
});

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const stores: [string, () => Fleet["config"]["store"]][] = [
  ["Redis", () => ({ kind: "redis", redis: inject("redisConnection") })],
  [
    "file store",
    () => {
      const dir = mkdtempSync(join(tmpdir(), "ironlink-factor-flows-"));
      dirs.push(dir);
      return { kind: "file", dir };
    },
  ],
];

/** The answer when it is ok (typed as such); fails the test with the refusal otherwise. */
function okOf<R extends { ok: boolean }>(result: R): Extract<R, { ok: true }> {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result as Extract<R, { ok: true }>;
}

/** A TOTP code of a step no earlier call used: the clock moves one period on first. */
function nextCode(secret: string): string {
  advance(totpSettings.period * 1000);
  return totpCode(secret);
}

/** Six digits that are no code of the secret's near steps. */
function wrongCode(secret: string): string {
  const near = new Set([-2, -1, 0, 1, 2].map((step) => totpCode(secret, Date.now() + step * totpSettings.period * 1000)));
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, "0");
    if (!near.has(code)) return code;
  }
}

/** A registration answer whose attestation ("none": nothing signs clientDataJSON) is another's, for `challenge`. */
function answeredAgain(response: RegistrationResponseJSON, challenge: string): RegistrationResponseJSON {
  const clientDataJSON = isoBase64URL.fromUTF8String(JSON.stringify({ type: "webauthn.create", challenge, origin: loginOrigin, crossOrigin: false }));
  return { ...response, response: { ...response.response, clientDataJSON } };
}

describe.each(stores)("account factors on the %s", (_name, storeOf) => {
  let fleet: Fleet;
  let factors: FactorStore;

  beforeAll(() => {
    const env = {
      SESSION_PASSWORD: sessionPassword,
      IRONLINK_FLEET: `factors-${randomUUID()}`,
      APP_ORIGINS: `${loginOrigin},http://localhost:7000`,
      LOGIN_URL: loginOrigin,
    };
    fleet = createFleet({ appName: "Sign-in", env, config: { ...readFleetConfig(env), store: storeOf() } });
    factors = new FactorStore(accountStorage(fleet.config.store, fleet.redis).factors);
  });
  afterAll(() => fleet.close());

  /** One client address per test: its budgets are its own. */
  const contextOf = (): SignInContext => ({ address: `test-${randomUUID()}`, userAgent: "vitest", app: "Sign-in" });

  const open = (jar: MemoryCookieStore) => fleet.sessions.getSession(jar);

  async function browser() {
    const jar = new MemoryCookieStore();
    return { jar, session: await open(jar) };
  }

  /** A new user, registered (and so signed in, fresh) in a browser of its own. */
  async function newUser(context: SignInContext) {
    const username = `u${randomUUID().replaceAll("-", "").slice(0, 16)}`;
    const { jar, session } = await browser();
    const { user } = okOf(await fleet.accounts.register(session, { username, password: userPassword }, context, policy));
    return { username, user, jar, session };
  }

  /** Turns two-step verification on in a fresh signed-in session; its secret and recovery codes. */
  async function turnOnTwoStep(session: Awaited<ReturnType<typeof open>>) {
    const { setupKey } = okOf(await fleet.accounts.twoStep.start(session, "Ironlink"));
    const { recoveryCodes } = okOf(await fleet.accounts.twoStep.confirm(session, { code: nextCode(setupKey) }));
    return { secret: setupKey, recoveryCodes };
  }

  /** The password's half of a sign-in in a new browser: pending until its code. */
  async function pendingSignInOf(username: string, context: SignInContext) {
    const { jar, session } = await browser();
    expect(await fleet.accounts.signIn(session, { username, password: userPassword }, context, policy)).toMatchObject({
      ok: false,
      status: 401,
      error: "second_factor_required",
    });
    return { jar, session };
  }

  /** Makes the session's latest proof older than IRONLINK_FRESH_AGE, in the store too. */
  async function makeStale(jar: MemoryCookieStore) {
    const session = await open(jar);
    Object.assign(session, { authenticatedAt: Date.now() - (fleet.config.freshAge + 1) * 1000 });
    await session.save();
    return open(jar);
  }

  describe("two-step verification at sign-in", () => {
    it("turns on, then holds the sign-in until a code; codes and recovery codes are accepted once", async () => {
      const context = contextOf();
      const { username, user, session } = await newUser(context);
      expect(session.amr).toEqual(["pwd"]);

      const started = okOf(await fleet.accounts.twoStep.start(session, "Ironlink"));
      expect(started.setupKey).toMatch(/^[A-Z2-7]{32,}$/);
      expect(started.uri.startsWith("otpauth://totp/")).toBe(true);
      expect(started.uri).toContain(`secret=${started.setupKey}`);
      expect((await fleet.accounts.signInMethods(user.id)).twoStep).toBe(false);
      const { recoveryCodes } = okOf(await fleet.accounts.twoStep.confirm(session, { code: nextCode(started.setupKey) }));
      expect(recoveryCodes).toHaveLength(factorLimits.recoveryCodes);
      expect(new Set(recoveryCodes).size).toBe(factorLimits.recoveryCodes);
      expect(await fleet.accounts.signInMethods(user.id)).toEqual({ passkeys: [], hasPassword: true, twoStep: true, recoveryCodesLeft: 10 });
      const secret = started.setupKey;
      await fleet.accounts.signOut(session);

      // The right password: no user in the session, only the pending sign-in.
      const first = await pendingSignInOf(username, context);
      expect(first.session.user).toBeUndefined();
      expect(fleet.accounts.twoStep.isPending(first.session)).toBe(true);
      const stored = await open(first.jar);
      expect(stored.user).toBeUndefined();
      expect(fleet.accounts.twoStep.isPending(stored)).toBe(true);

      expect(await fleet.accounts.twoStep.verifySignInCode(stored, { code: wrongCode(secret) }, context, policy)).toMatchObject({
        ok: false,
        status: 401,
        error: "wrong_code",
      });
      expect(fleet.accounts.twoStep.isPending(await open(first.jar))).toBe(true);

      const code = nextCode(secret);
      const before = Date.now();
      expect(okOf(await fleet.accounts.twoStep.verifySignInCode(await open(first.jar), { code }, context, policy)).user).toEqual(user);
      const signedIn = await open(first.jar);
      expect(signedIn.user).toEqual(user);
      expect(signedIn.amr).toEqual(["pwd", "otp", "mfa"]);
      expect(signedIn.authenticatedAt).toBeGreaterThanOrEqual(before);
      expect(fleet.accounts.twoStep.isPending(signedIn)).toBe(false);
      await fleet.accounts.signOut(signedIn);

      // The same code (its step still in the window) on another sign-in: refused.
      const second = await pendingSignInOf(username, context);
      expect(await fleet.accounts.twoStep.verifySignInCode(second.session, { code }, context, policy)).toMatchObject({ status: 401, error: "wrong_code" });
      expect(second.session.user).toBeUndefined();
      // A recovery code, typed in capitals and without its dash: accepted once.
      const recovery = recoveryCodes[0]!;
      okOf(await fleet.accounts.twoStep.verifySignInCode(second.session, { code: recovery.replace("-", "").toUpperCase() }, context, policy));
      expect((await open(second.jar)).amr).toEqual(["pwd", "otp", "mfa"]);
      await fleet.accounts.signOut(second.session);

      const third = await pendingSignInOf(username, context);
      expect(await fleet.accounts.twoStep.verifySignInCode(third.session, { code: recovery }, context, policy)).toMatchObject({ status: 401, error: "wrong_code" });
      expect(fleet.accounts.twoStep.isPending(third.session)).toBe(true);
      expect((await fleet.accounts.signInMethods(user.id)).recoveryCodesLeft).toBe(9);
      okOf(await fleet.accounts.twoStep.verifySignInCode(third.session, { code: recoveryCodes[1] }, context, policy));
      expect((await fleet.accounts.signInMethods(user.id)).recoveryCodesLeft).toBe(8);
    });

    it("counts each code against the sign-in budgets; past them, even the right code waits", async () => {
      const context = contextOf();
      const { username, session } = await newUser(context);
      const { secret } = await turnOnTwoStep(session);
      await fleet.accounts.signOut(session);

      // The right password's attempt stays counted until a code is right (account.ts, second-step.ts): it and four
      // wrong codes are the pair's five (RATE_LIMIT_PER_USERNAME_AND_ADDRESS), so the fifth wrong code is the sixth
      // attempt of the pair, and 429 comes before the code is even looked at.
      expect(rateLimitDefaults.perUsernameAndAddress).toBe(5);
      const pending = await pendingSignInOf(username, context);
      for (let i = 0; i < 4; i++) {
        expect(await fleet.accounts.twoStep.verifySignInCode(pending.session, { code: wrongCode(secret) }, context, policy)).toMatchObject({
          status: 401,
          error: "wrong_code",
        });
      }
      const limited = await fleet.accounts.twoStep.verifySignInCode(pending.session, { code: wrongCode(secret) }, context, policy);
      expect(limited).toMatchObject({ ok: false, status: 429, error: "too_many_attempts" });
      expect(!limited.ok && limited.retryAfterSeconds).toBeGreaterThan(0);
      expect(!limited.ok && limited.retryAfterSeconds).toBeLessThanOrEqual(rateLimitDefaults.window);
      expect(await fleet.accounts.twoStep.verifySignInCode(pending.session, { code: nextCode(secret) }, context, policy)).toMatchObject({
        status: 429,
        error: "too_many_attempts",
      });
      expect(pending.session.user).toBeUndefined();
      expect(fleet.accounts.twoStep.isPending(pending.session)).toBe(true);
      // From another address the budget is another's: the same code that waited signs in.
      okOf(await fleet.accounts.twoStep.verifySignInCode(pending.session, { code: nextCode(secret) }, contextOf(), policy));
    });

    /** A fleet of its own on the same kind of store, with RATE_LIMIT_PER_ADDRESS=3: an address's budget, quickly spent. */
    const addressLimitedFleet = () =>
      createFleet({
        appName: "Sign-in",
        config: { ...readFleetConfig({ SESSION_PASSWORD: sessionPassword, LOGIN_URL: loginOrigin, APP_ORIGINS: loginOrigin, RATE_LIMIT_PER_ADDRESS: "3" }), store: storeOf() },
      });

    it("a right code gives the password's attempt back: two-step sign-ins leave no failure on the address", async () => {
      // RATE_LIMIT_PER_ADDRESS=3 in a fleet of its own (same kind of store): three good sign-ins from one address
      // must all go through, as they do without two-step verification (rate-limit.ts: "Nothing counts successes
      // per address alone"). The password's attempt and the code's are both counted on the address; a right code
      // must give both back.
      const limited = addressLimitedFleet();
      try {
        const context = contextOf();
        const username = `u${randomUUID().replaceAll("-", "").slice(0, 16)}`;
        const registered = await limited.sessions.getSession(new MemoryCookieStore());
        okOf(await limited.accounts.register(registered, { username, password: userPassword }, context, policy));
        const { setupKey } = okOf(await limited.accounts.twoStep.start(registered, "Ironlink"));
        okOf(await limited.accounts.twoStep.confirm(registered, { code: nextCode(setupKey) }));
        const results = [];
        for (let i = 0; i < 3; i++) {
          const session = await limited.sessions.getSession(new MemoryCookieStore());
          const password = await limited.accounts.signIn(session, { username, password: userPassword }, context, policy);
          const code = password.ok ? password : await limited.accounts.twoStep.verifySignInCode(session, { code: nextCode(setupKey) }, context, policy);
          results.push(code.ok ? "ok" : code.error);
        }
        expect(results).toEqual(["ok", "ok", "ok"]);
      } finally {
        await limited.close();
      }
    });

    it("passkeys nobody registered count against the address: past RATE_LIMIT_PER_ADDRESS, refused with 429", async () => {
      const limited = addressLimitedFleet();
      try {
        const context = contextOf();
        const stranger = softAuthenticator({ origin: loginOrigin });
        const creation = { rp: { id: "localhost", name: "Elsewhere" }, user: { id: isoBase64URL.fromUTF8String("nobody"), name: "nobody", displayName: "nobody" }, challenge: "c2VlZA", pubKeyCredParams: [{ type: "public-key", alg: -7 }] };
        stranger.register(creation as PublicKeyCredentialCreationOptionsJSON);
        const results = [];
        for (let i = 0; i < 4; i++) {
          const session = await limited.sessions.getSession(new MemoryCookieStore());
          const { options } = okOf(await limited.accounts.passkeys.options(session, "sign-in"));
          const response = stranger.signIn(options as PublicKeyCredentialRequestOptionsJSON);
          const result = await limited.accounts.passkeys.signIn(session, { response }, context, policy);
          results.push(result.ok ? "ok" : result.error);
        }
        expect(results).toEqual(["passkey_unknown", "passkey_unknown", "passkey_unknown", "too_many_attempts"]);
        // Another address is another budget.
        const elsewhere = await limited.sessions.getSession(new MemoryCookieStore());
        const { options } = okOf(await limited.accounts.passkeys.options(elsewhere, "sign-in"));
        const answer = stranger.signIn(options as PublicKeyCredentialRequestOptionsJSON);
        expect(await limited.accounts.passkeys.signIn(elsewhere, { response: answer }, contextOf(), policy)).toMatchObject({ error: "passkey_unknown" });
      } finally {
        await limited.close();
      }
    });

    it("a pending sign-in expires: the code then asks to sign in again", async () => {
      const context = contextOf();
      const { username, session } = await newUser(context);
      const { secret } = await turnOnTwoStep(session);
      const { jar, session: pendingSession } = await pendingSignInOf(username, context);
      const pending = pendingSignIn(pendingSession);
      expect(pending?.until).toBeGreaterThan(Date.now());
      expect(pending!.until - Date.now()).toBeLessThanOrEqual(pendingMs);
      expect(pendingSignIn(pendingSession, pending!.until - 1)).toBeDefined();
      expect(pendingSignIn(pendingSession, pending!.until)).toBeUndefined();

      advance(pendingMs + 1000);
      const later = await open(jar);
      expect(fleet.accounts.twoStep.isPending(later)).toBe(false);
      expect(await fleet.accounts.twoStep.verifySignInCode(later, { code: totpCode(secret) }, context, policy)).toMatchObject({
        ok: false,
        status: 401,
        error: "sign_in_again",
      });
      expect((await open(jar)).user).toBeUndefined();
    });
  });

  describe("passkeys", () => {
    it("added, listed, signed in with (hwk, mfa, counter); replays, stale challenges, other sites and removed keys are refused", async () => {
      const context = contextOf();
      const { user, session } = await newUser(context);
      const authenticator = softAuthenticator({ origin: loginOrigin });

      const { options: addOptions } = okOf(await fleet.accounts.passkeys.options(session, "add"));
      const creation = addOptions as PublicKeyCredentialCreationOptionsJSON;
      expect(creation.rp).toEqual({ id: "localhost", name: fleet.config.fleetName });
      const registration = authenticator.register(creation);
      const before = Date.now();
      okOf(await fleet.accounts.passkeys.add(session, { response: registration, name: "MacBook" }));
      const listed = (await fleet.accounts.signInMethods(user.id)).passkeys;
      expect(listed).toEqual([{ id: authenticator.credentialId, name: "MacBook", createdAt: expect.any(Number) }]);
      expect(listed[0]!.createdAt).toBeGreaterThanOrEqual(before);
      // The same answer again: its challenge was taken.
      expect(await fleet.accounts.passkeys.add(session, { response: registration, name: "again" })).toMatchObject({ status: 400, error: "challenge_expired" });
      await fleet.accounts.signOut(session);

      /** A sign-in ceremony in a new anonymous browser, answered by `answer`. */
      const ceremony = async (answer: (options: PublicKeyCredentialRequestOptionsJSON) => unknown) => {
        const { jar, session: anonymous } = await browser();
        const { options } = okOf(await fleet.accounts.passkeys.options(anonymous, "sign-in"));
        const response = answer(options as PublicKeyCredentialRequestOptionsJSON);
        return { jar, session: anonymous, response, result: await fleet.accounts.passkeys.signIn(anonymous, { response }, context, policy) };
      };

      const signedIn = await ceremony((options) => authenticator.signIn(options));
      expect(okOf(signedIn.result).user).toEqual(user);
      const afterSignIn = await open(signedIn.jar);
      expect(afterSignIn.user).toEqual(user);
      expect(afterSignIn.amr).toEqual(["hwk", "mfa"]);
      expect(afterSignIn.authenticatedAt).toBeGreaterThanOrEqual(before);
      expect((await factors.read(user.id)).passkeys.map(({ counter }) => counter)).toEqual([1]);
      expect((await fleet.accounts.signInMethods(user.id)).passkeys[0]?.lastUsedAt).toBeGreaterThanOrEqual(before);

      // Replayed in the same browser: the challenge was taken; after new options: not the challenge asked for.
      const replay = await fleet.sessions.getSession(new MemoryCookieStore());
      expect(await fleet.accounts.passkeys.signIn(replay, { response: signedIn.response }, context, policy)).toMatchObject({ status: 400, error: "challenge_expired" });
      okOf(await fleet.accounts.passkeys.options(replay, "sign-in"));
      expect(await fleet.accounts.passkeys.signIn(replay, { response: signedIn.response }, context, policy)).toMatchObject({
        status: 401,
        error: "passkey_challenge_mismatch",
      });

      // Answered after factorLimits.challengeMs.
      const stale = await browser();
      const { options: staleOptions } = okOf(await fleet.accounts.passkeys.options(stale.session, "sign-in"));
      advance(factorLimits.challengeMs + 1000);
      const late = authenticator.signIn(staleOptions as PublicKeyCredentialRequestOptionsJSON);
      expect(await fleet.accounts.passkeys.signIn(stale.session, { response: late }, context, policy)).toMatchObject({ status: 400, error: "challenge_expired" });
      expect(stale.session.user).toBeUndefined();

      const otherRp = await ceremony((options) => authenticator.signIn(options, { rpId: "evil.test" }));
      expect(otherRp.result).toMatchObject({ ok: false, status: 401, error: "passkey_wrong_rp" });
      const otherOrigin = await ceremony((options) => authenticator.signIn(options, { origin: "http://localhost:7000" }));
      expect(otherOrigin.result).toMatchObject({ status: 401, error: "passkey_wrong_origin" });
      const counterBack = await ceremony((options) => authenticator.signIn(options, { counter: 1 }));
      expect(counterBack.result).toMatchObject({ status: 401, error: "passkey_counter_went_back" });
      const tampered = await ceremony((options) => authenticator.signIn(options, { tamper: true }));
      expect(tampered.result).toMatchObject({ status: 401, error: "passkey_bad_signature" });
      for (const refused of [otherRp, otherOrigin, counterBack, tampered]) expect((await open(refused.jar)).user).toBeUndefined();
      expect((await factors.read(user.id)).passkeys.map(({ counter }) => counter)).toEqual([1]);

      const stranger = softAuthenticator({ origin: loginOrigin });
      stranger.register(creation); // made on the authenticator only, never added
      expect((await ceremony((options) => stranger.signIn(options))).result).toMatchObject({ status: 401, error: "passkey_unknown" });

      // Another user cannot add a credential someone holds (the same credential answered to their challenge).
      const other = await newUser(context);
      const { options: otherOptions } = okOf(await fleet.accounts.passkeys.options(other.session, "add"));
      const taken = answeredAgain(registration, (otherOptions as PublicKeyCredentialCreationOptionsJSON).challenge);
      expect(await fleet.accounts.passkeys.add(other.session, { response: taken, name: "Stolen" })).toMatchObject({ status: 409, error: "passkey_taken" });
      expect((await fleet.accounts.signInMethods(other.user.id)).passkeys).toEqual([]);
      expect(await factors.credentialOwner(authenticator.credentialId!)).toBe(user.id);

      // Removed (the passkey sign-in's session is fresh): it signs nobody in any more.
      expect(await fleet.accounts.passkeys.remove(afterSignIn, { id: "not-a-passkey" })).toMatchObject({ status: 404, error: "passkey_not_found" });
      okOf(await fleet.accounts.passkeys.remove(afterSignIn, { id: authenticator.credentialId }));
      expect((await fleet.accounts.signInMethods(user.id)).passkeys).toEqual([]);
      expect(await factors.credentialOwner(authenticator.credentialId!)).toBeNull();
      expect((await ceremony((options) => authenticator.signIn(options))).result).toMatchObject({ status: 401, error: "passkey_unknown" });
    });

    it(`at most ${factorLimits.passkeysPerUser} passkeys: the options refuse, and so does an add that raced to the limit`, async () => {
      const context = contextOf();
      const { username, user, session } = await newUser(context);
      const addOne = async (target: typeof session, name: string) => {
        const { options } = okOf(await fleet.accounts.passkeys.options(target, "add"));
        const authenticator: SoftAuthenticator = softAuthenticator({ origin: loginOrigin });
        return fleet.accounts.passkeys.add(target, { response: authenticator.register(options as PublicKeyCredentialCreationOptionsJSON), name });
      };
      for (let i = 1; i < factorLimits.passkeysPerUser; i++) okOf(await addOne(session, `Key ${i}`));

      // Two browsers both asked for options at nine passkeys; the second add finds ten.
      const { session: other } = await browser();
      okOf(await fleet.accounts.signIn(other, { username, password: userPassword }, context, policy));
      const { options: first } = okOf(await fleet.accounts.passkeys.options(session, "add"));
      const { options: second } = okOf(await fleet.accounts.passkeys.options(other, "add"));
      okOf(await fleet.accounts.passkeys.add(session, { response: softAuthenticator({ origin: loginOrigin }).register(first as PublicKeyCredentialCreationOptionsJSON) }));
      const late = softAuthenticator({ origin: loginOrigin });
      const refused = await fleet.accounts.passkeys.add(other, { response: late.register(second as PublicKeyCredentialCreationOptionsJSON) });
      expect(refused).toMatchObject({ status: 409, error: "too_many_passkeys" });
      expect(await factors.credentialOwner(late.credentialId!)).toBeNull();

      const methods = await fleet.accounts.signInMethods(user.id);
      expect(methods.passkeys).toHaveLength(factorLimits.passkeysPerUser);
      expect(methods.passkeys[factorLimits.passkeysPerUser - 1]?.name).toBe("Passkey");
      expect(await fleet.accounts.passkeys.options(session, "add")).toMatchObject({ ok: false, status: 409, error: "too_many_passkeys" });
    });
  });

  describe("step-up", () => {
    it("sensitive changes of a stale session need a new proof: the password, a code or a passkey", async () => {
      const context = contextOf();
      const { username, user, jar, session } = await newUser(context);
      // A second browser signed in with the password before two-step verification was on: its amr stays ["pwd"].
      const laptop = await browser();
      okOf(await fleet.accounts.signIn(laptop.session, { username, password: userPassword }, context, policy));
      expect(laptop.session.amr).toEqual(["pwd"]);
      const { secret } = await turnOnTwoStep(session);
      const authenticator = softAuthenticator({ origin: loginOrigin });
      const { options } = okOf(await fleet.accounts.passkeys.options(session, "add"));
      okOf(await fleet.accounts.passkeys.add(session, { response: authenticator.register(options as PublicKeyCredentialCreationOptionsJSON), name: "Phone" }));

      let stale = await makeStale(jar);
      expect(fleet.accounts.stepUp.isFresh(stale)).toBe(false);
      const reauthenticate = { ok: false, status: 403, error: "reauthentication_required" };
      expect(await fleet.accounts.passkeys.options(stale, "add")).toMatchObject(reauthenticate);
      expect(await fleet.accounts.twoStep.start(stale, "Ironlink")).toMatchObject(reauthenticate);
      expect(await fleet.accounts.twoStep.turnOff(stale)).toMatchObject(reauthenticate);
      expect(await fleet.accounts.twoStep.renewRecoveryCodes(stale)).toMatchObject(reauthenticate);
      expect(await fleet.accounts.passkeys.remove(stale, { id: authenticator.credentialId })).toMatchObject(reauthenticate);
      expect(await fleet.accounts.signInMethods(user.id)).toMatchObject({ twoStep: true, passkeys: [{ id: authenticator.credentialId }] });

      // The password.
      expect(await fleet.accounts.stepUp.confirm(stale, { password: "not the password" }, context, policy)).toMatchObject({
        ok: false,
        status: 400,
        error: "wrong_proof",
        fieldErrors: { password: expect.any(String) },
      });
      expect(fleet.accounts.stepUp.isFresh(await open(jar))).toBe(false);
      okOf(await fleet.accounts.stepUp.confirm(stale, { password: userPassword }, context, policy));
      stale = await open(jar);
      expect(fleet.accounts.stepUp.isFresh(stale)).toBe(true);
      expect(okOf(await fleet.accounts.twoStep.renewRecoveryCodes(stale)).recoveryCodes).toHaveLength(factorLimits.recoveryCodes);
      okOf(await fleet.accounts.passkeys.options(stale, "add"));

      // A code: the laptop's session now also proved "otp", so two factors.
      const laptopStale = await makeStale(laptop.jar);
      expect(await fleet.accounts.stepUp.confirm(laptopStale, { code: wrongCode(secret) }, context, policy)).toMatchObject({
        status: 400,
        error: "wrong_proof",
        fieldErrors: { code: expect.any(String) },
      });
      okOf(await fleet.accounts.stepUp.confirm(laptopStale, { code: nextCode(secret) }, context, policy));
      const laptopFresh = await open(laptop.jar);
      expect(fleet.accounts.stepUp.isFresh(laptopFresh)).toBe(true);
      expect(laptopFresh.amr).toEqual(["pwd", "otp", "mfa"]);

      // A passkey of the person's own.
      const again = await makeStale(jar);
      const { options: confirmOptions } = okOf(await fleet.accounts.passkeys.options(again, "confirm"));
      const response = authenticator.signIn(confirmOptions as PublicKeyCredentialRequestOptionsJSON);
      okOf(await fleet.accounts.stepUp.confirm(again, { response }, context, policy));
      const confirmed = await open(jar);
      expect(fleet.accounts.stepUp.isFresh(confirmed)).toBe(true);
      expect(confirmed.amr).toEqual(expect.arrayContaining(["hwk", "mfa"]));
      // Its challenge is spent: the same answer again proves nothing.
      expect(await fleet.accounts.stepUp.confirm(confirmed, { response }, context, policy)).toMatchObject({ status: 400, error: "challenge_expired" });
      // Fresh again: the changes refused above go through.
      okOf(await fleet.accounts.passkeys.remove(confirmed, { id: authenticator.credentialId }));
      okOf(await fleet.accounts.twoStep.turnOff(confirmed));
      expect(await fleet.accounts.signInMethods(user.id)).toEqual({ passkeys: [], hasPassword: true, twoStep: false, recoveryCodesLeft: 0 });
    });

    it("wrong proofs are counted per session: the sixth is 429", async () => {
      const context = contextOf();
      const { jar, session } = await newUser(context);
      const { secret } = await turnOnTwoStep(session);
      const stale = await makeStale(jar);
      for (let i = 0; i < rateLimitDefaults.perUsernameAndAddress; i++) {
        expect(await fleet.accounts.stepUp.confirm(stale, { code: wrongCode(secret) }, context, policy)).toMatchObject({ status: 400, error: "wrong_proof" });
      }
      const limited = await fleet.accounts.stepUp.confirm(stale, { password: userPassword }, context, policy);
      expect(limited).toMatchObject({ ok: false, status: 429, error: "too_many_attempts" });
      expect(!limited.ok && limited.retryAfterSeconds).toBeGreaterThan(0);
      expect(fleet.accounts.stepUp.isFresh(await open(jar))).toBe(false);
    });
  });

  describe("passwordless", () => {
    /** Registers a new passkey of the fresh signed-in session's person; its authenticator. */
    async function addPasskeyTo(session: Awaited<ReturnType<typeof open>>, name: string) {
      const authenticator = softAuthenticator({ origin: loginOrigin });
      const { options } = okOf(await fleet.accounts.passkeys.options(session, "add"));
      okOf(await fleet.accounts.passkeys.add(session, { response: authenticator.register(options as PublicKeyCredentialCreationOptionsJSON), name }));
      return authenticator;
    }

    /** A passkey sign-in in a new browser. */
    async function passkeySignIn(authenticator: SoftAuthenticator, context: SignInContext, overrides: { userVerified?: boolean } = {}) {
      const { jar, session } = await browser();
      const { options } = okOf(await fleet.accounts.passkeys.options(session, "sign-in"));
      const response = authenticator.signIn(options as PublicKeyCredentialRequestOptionsJSON, overrides);
      return { jar, session, result: await fleet.accounts.passkeys.signIn(session, { response }, context, policy) };
    }

    /** A password sign-in in a new browser. */
    async function passwordSignIn(username: string, password: string, context: SignInContext) {
      const { jar, session } = await browser();
      return { jar, session, result: await fleet.accounts.signIn(session, { username, password }, context, policy) };
    }

    const reauthenticate = { ok: false, status: 403, error: "reauthentication_required" };
    const wrongCredentials = { ok: false, status: 401, error: "invalid_credentials", message: messages.wrongCredentials };
    const newPassword = "passwordless-then-Again-7Kx!";

    it("the password goes only with a passkey and a fresh session; then only passkeys sign in, and the other sessions end", async () => {
      const context = contextOf();
      const { username, user, jar, session } = await newUser(context);
      expect(await fleet.accounts.removePassword(session)).toMatchObject({ ok: false, status: 409, error: "passkey_needed", message: messages.passkeyNeeded });
      const authenticator = await addPasskeyTo(session, "Phone");
      const laptop = await passwordSignIn(username, userPassword, context);
      okOf(laptop.result);

      const stale = await makeStale(jar);
      expect(await fleet.accounts.removePassword(stale)).toMatchObject(reauthenticate);
      expect((await fleet.accounts.signInMethods(user.id)).hasPassword).toBe(true);
      okOf(await fleet.accounts.stepUp.confirm(stale, { password: userPassword }, context, policy));
      const fresh = await open(jar);
      const { publicId } = sessionInfo(fresh);
      okOf(await fleet.accounts.removePassword(fresh));
      expect(await fleet.accounts.signInMethods(user.id)).toEqual({
        passkeys: [{ id: authenticator.credentialId, name: "Phone", createdAt: expect.any(Number) }],
        hasPassword: false,
        twoStep: false,
        recoveryCodesLeft: 0,
      });
      // This session stays (same id); the laptop, signed in with the password, is out.
      const kept = await open(jar);
      expect(kept.user).toEqual(user);
      expect(sessionInfo(kept).publicId).toBe(publicId);
      expect((await open(laptop.jar)).user).toBeUndefined();

      // The old password signs in no more, exactly as a wrong one fails; and each try is counted (the pair's five, then 429).
      const other = contextOf();
      const wrong = await passwordSignIn(username, "not-the-password-at-all", other);
      expect(wrong.result).toEqual(wrongCredentials);
      for (let i = 1; i < rateLimitDefaults.perUsernameAndAddress; i++) expect((await passwordSignIn(username, userPassword, other)).result).toEqual(wrongCredentials);
      expect((await passwordSignIn(username, userPassword, other)).result).toMatchObject({ ok: false, status: 429, error: "too_many_attempts" });

      // A passkey signs in.
      const byPasskey = await passkeySignIn(authenticator, context);
      expect(okOf(byPasskey.result).user).toEqual(user);
      expect((await open(byPasskey.jar)).amr).toEqual(["hwk", "mfa"]);

      // A step-up by password is refused like a wrong password; by passkey it goes through.
      const again = await makeStale(jar);
      const byWrongPassword = await fleet.accounts.stepUp.confirm(again, { password: "not-the-password-at-all" }, context, policy);
      expect(byWrongPassword).toMatchObject({ ok: false, status: 400, error: "wrong_proof" });
      expect(await fleet.accounts.stepUp.confirm(again, { password: userPassword }, context, policy)).toEqual(byWrongPassword);
      expect(fleet.accounts.stepUp.isFresh(await open(jar))).toBe(false);
      const { options } = okOf(await fleet.accounts.passkeys.options(again, "confirm"));
      okOf(await fleet.accounts.stepUp.confirm(again, { response: authenticator.signIn(options as PublicKeyCredentialRequestOptionsJSON) }, context, policy));
      expect(fleet.accounts.stepUp.isFresh(await open(jar))).toBe(true);
      // Already passwordless: nothing to remove, nothing ended.
      okOf(await fleet.accounts.removePassword(await open(jar)));
      expect((await open(byPasskey.jar)).user).toEqual(user);
    });

    it("the last passkey stays; a password is set again (fresh, no current password) and signs in; then the last passkey may go", async () => {
      const context = contextOf();
      const { username, user, jar, session } = await newUser(context);
      const phone = await addPasskeyTo(session, "Phone");
      const key = await addPasskeyTo(session, "Key");
      okOf(await fleet.accounts.removePassword(session));

      okOf(await fleet.accounts.passkeys.remove(session, { id: key.credentialId }));
      expect(await factors.credentialOwner(key.credentialId!)).toBeNull();
      expect(await fleet.accounts.passkeys.remove(session, { id: phone.credentialId })).toEqual({
        ok: false,
        status: 409,
        error: "last_sign_in_method",
        message: messages.lastSignInMethod,
      });
      expect((await fleet.accounts.signInMethods(user.id)).passkeys.map(({ id }) => id)).toEqual([phone.credentialId]);
      expect(await factors.credentialOwner(phone.credentialId!)).toBe(user.id);

      // Setting a password: a stale session is asked to confirm first, and no current password is asked.
      const byPasskey = await passkeySignIn(phone, context);
      okOf(byPasskey.result);
      const stale = await makeStale(jar);
      expect(await fleet.accounts.changePassword(stale, { newPassword }, context, policy)).toMatchObject(reauthenticate);
      expect((await fleet.accounts.signInMethods(user.id)).hasPassword).toBe(false);
      const { options } = okOf(await fleet.accounts.passkeys.options(stale, "confirm"));
      okOf(await fleet.accounts.stepUp.confirm(stale, { response: phone.signIn(options as PublicKeyCredentialRequestOptionsJSON) }, context, policy));
      const fresh = await open(jar);
      expect(await fleet.accounts.changePassword(fresh, { newPassword: "short" }, context, policy)).toMatchObject({
        ok: false,
        status: 400,
        error: "invalid_input",
        fieldErrors: { newPassword: messages.passwordTooShort(12) },
      });
      expect(okOf(await fleet.accounts.changePassword(fresh, { newPassword }, context, policy))).toEqual({ ok: true, user, firstPassword: true });
      expect((await fleet.accounts.signInMethods(user.id)).hasPassword).toBe(true);
      // Nobody knew a password before: the passkey's session stays.
      expect((await open(byPasskey.jar)).user).toEqual(user);
      expect(okOf((await passwordSignIn(username, newPassword, context)).result).user).toEqual(user);
      expect((await passwordSignIn(username, userPassword, context)).result).toEqual(wrongCredentials);

      // A password change is as before: the current password asked.
      const current = await open(jar);
      expect(await fleet.accounts.changePassword(current, { newPassword: userPassword }, context, policy)).toMatchObject({
        status: 400,
        fieldErrors: { currentPassword: messages.passwordMissing },
      });
      expect(okOf(await fleet.accounts.changePassword(current, { currentPassword: newPassword, newPassword: userPassword }, context, policy)).firstPassword).toBe(false);
      okOf(await fleet.accounts.passkeys.remove(await open(jar), { id: phone.credentialId }));
      expect(await fleet.accounts.signInMethods(user.id)).toMatchObject({ passkeys: [], hasPassword: true });
    });

    it("two-step verification still follows a passkey sign-in without user verification", async () => {
      const context = contextOf();
      const { user, session } = await newUser(context);
      const phone = await addPasskeyTo(session, "Phone");
      const { secret } = await turnOnTwoStep(session);
      okOf(await fleet.accounts.removePassword(session));
      const withoutVerification = await passkeySignIn(phone, context, { userVerified: false });
      expect(withoutVerification.result).toMatchObject({ ok: false, status: 401, error: "second_factor_required" });
      expect(withoutVerification.session.user).toBeUndefined();
      okOf(await fleet.accounts.twoStep.verifySignInCode(withoutVerification.session, { code: nextCode(secret) }, context, policy));
      expect(await open(withoutVerification.jar)).toMatchObject({ user, amr: ["hwk", "otp", "mfa"] });
    });

    it("the password and the last passkey removed at once: never both", async () => {
      for (let round = 0; round < 4; round++) {
        const context = contextOf();
        const { user, session } = await newUser(context);
        const phone = await addPasskeyTo(session, "Phone");
        const [password, passkey] = await Promise.all([fleet.accounts.removePassword(session), fleet.accounts.passkeys.remove(session, { id: phone.credentialId })]);
        const methods = await fleet.accounts.signInMethods(user.id);
        expect(methods.hasPassword || methods.passkeys.length > 0, JSON.stringify({ password, passkey, methods })).toBe(true);
        expect(methods.hasPassword).toBe(!password.ok);
        expect(methods.passkeys.length).toBe(passkey.ok ? 0 : 1);
        expect(await factors.credentialOwner(phone.credentialId!)).toBe(passkey.ok ? null : user.id);
      }
    });
  });

  it("amr without any second factor: registration and a password sign-in record ['pwd']", async () => {
    const context = contextOf();
    const { username, jar } = await newUser(context);
    const registered = await open(jar);
    expect(registered.amr).toEqual(["pwd"]);
    expect(registered.authenticatedAt).toBe(registered.signedInAt);
    const { jar: other, session } = await browser();
    okOf(await fleet.accounts.signIn(session, { username, password: userPassword }, context, policy));
    const signedIn = await open(other);
    expect(signedIn.amr).toEqual(["pwd"]);
    expect(signedIn.authenticatedAt).toBeGreaterThan(0);
    expect(fleet.accounts.stepUp.isFresh(signedIn)).toBe(true);
  });
});
