import { createHash, randomBytes } from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import { createIronlink } from "../src/index";
import { appOfFleet, browserAccept, cookieHeader, fleetEnv, signIn, startApp } from "./helpers";

/** A verifier and its challenge, as a satellite's start makes them (the S256 of the verifier, base64url). */
function newVerifier() {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

// The service on another site than the sign-in app: its cookie never reaches here, so sign-in comes back with a code.
const satelliteUrl = "http://svc.gamma.test:9000";
const login = "http://one.alpha.test:5000";
const env = fleetEnv({ APP_ORIGINS: `${login},${satelliteUrl}`, LOGIN_URL: login });
const signInApp = appOfFleet(env, "App One");
const satellite = createIronlink({ publicUrl: satelliteUrl, fleet: appOfFleet(env, "Service") });
const alice = { id: "u-alice-sat", username: "alice" };
const bob = { id: "u-bob-sat", username: "bob" };

let base: string;
beforeAll(async () => {
  base = await startApp((app) => {
    app.use(satellite.session());
    app.get("/", satellite.requireUser(), (req, res) => void res.type("text").send(`Signed in as ${req.user?.username}`));
  });
});

const get = (path: string, cookie = "") => fetch(`${base}${path}`, { redirect: "manual", headers: { accept: browserAccept, cookie } });
const setCookies = (response: Response) => response.headers.getSetCookie();

describe("@ironlink/express on another site", () => {
  test("an anonymous browser starts at this app: a verifier cookie for the callback only, then the sign-in page with a challenge", async () => {
    const page = await get("/");
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe(`${satelliteUrl}/api/ironlink/start?next=%2F`);
    await signInApp.markSignInUp();
    const start = await get("/api/ironlink/start?next=%2F");
    expect(start.status).toBe(303);
    const target = new URL(start.headers.get("location")!);
    expect(target.origin + target.pathname).toBe(`${login}/login`);
    expect(target.searchParams.get("next")).toBe(`${satelliteUrl}/`);
    const [verifierCookie] = setCookies(start);
    expect(verifierCookie).toMatch(/^ironlink_handoff=[A-Za-z0-9_-]{43}; Max-Age=600; Path=\/api\/ironlink\/callback; .*HttpOnly; SameSite=Lax/);
    const verifier = /^ironlink_handoff=([^;]+)/.exec(verifierCookie!)![1]!;
    expect(target.searchParams.get("challenge")).toBe(createHash("sha256").update(verifier).digest("base64url"));
  });

  test("the callback redeems the code once, with the verifier, for this origin: the same session, and the code gone from the URL", async () => {
    const cookie = await signIn(signInApp, alice);
    const session = await signInApp.sessions.getSession({ get: () => ({ value: cookie }), set: () => {} });
    const { verifier, challenge } = newVerifier();
    const code = await signInApp.handoff.issue(session, { origin: satelliteUrl, challenge });
    const callback = `/api/ironlink/callback?code=${code}&next=%2F`;
    const answer = await get(callback, `ironlink_handoff=${verifier}`);
    expect(answer.status).toBe(303);
    expect(answer.headers.get("location")).toBe("/");
    expect(answer.headers.get("referrer-policy")).toBe("no-referrer");
    const sessionCookie = setCookies(answer).find((entry) => entry.startsWith(`${signInApp.config.cookieName}=`))!;
    expect(setCookies(answer).some((entry) => /^ironlink_handoff=;/.test(entry))).toBe(true);
    const home = await get("/", sessionCookie.split(";")[0]);
    expect(await home.text()).toBe("Signed in as alice");
    expect((await signInApp.sessions.listSessions(alice.id))[0]?.data.seenOn).toContain(satelliteUrl);

    // Replayed: on to a URL without the code, which says why.
    const replayed = await get(callback, `ironlink_handoff=${verifier}`);
    expect(replayed.status).toBe(303);
    expect(replayed.headers.get("location")).toBe("/api/ironlink/callback?error=invalid&next=%2F");
    const refusal = await get(replayed.headers.get("location")!);
    expect(refusal.status).toBe(400);
    expect(await refusal.text()).toContain("no longer valid");
  });

  test("without the verifier cookie: a page that says so, no session; while the sign-in app is down: a 503 page, no redirect", async () => {
    const cookie = await signIn(signInApp, alice);
    const session = await signInApp.sessions.getSession({ get: () => ({ value: cookie }), set: () => {} });
    const code = await signInApp.handoff.issue(session, { origin: satelliteUrl, challenge: newVerifier().challenge });
    const answer = await get(`/api/ironlink/callback?code=${code}&next=%2F`);
    expect(answer.headers.get("location")).toBe("/api/ironlink/callback?error=cookie-missing&next=%2F");
    expect(await (await get(answer.headers.get("location")!)).text()).toContain("did not keep a cookie");
    expect(setCookies(answer).some((entry) => entry.startsWith(`${signInApp.config.cookieName}=`))).toBe(false);
    await signInApp.redis!.del(`ironlink:fleet:${signInApp.config.fleetName}:sign-in`);
    const down = await get("/api/ironlink/start?next=%2F");
    expect(down.status).toBe(503);
    expect(down.headers.get("location")).toBeNull();
  });

  test("login CSRF: a browser signed in here as someone else keeps its account (409); two verifiers (one planted) spend the code", async () => {
    const attackerCookie = await signIn(signInApp, alice);
    const attackerSession = await signInApp.sessions.getSession({ get: () => ({ value: attackerCookie }), set: () => {} });
    const planted = newVerifier();
    const victimCookie = await signIn(signInApp, bob);
    const code = await signInApp.handoff.issue(attackerSession, { origin: satelliteUrl, challenge: planted.challenge });
    const victim = `ironlink_handoff=${planted.verifier}; ${cookieHeader(signInApp, victimCookie)}`;
    const answer = await get(`/api/ironlink/callback?code=${code}&next=%2F`, victim);
    expect(answer.status).toBe(303);
    expect(answer.headers.get("location")).toBe("/api/ironlink/callback?error=other-user&next=%2F");
    expect(setCookies(answer).some((entry) => entry.startsWith(`${signInApp.config.cookieName}=`))).toBe(false);
    const page = await get(answer.headers.get("location")!);
    expect(page.status).toBe(409);
    expect(await page.text()).toContain("signed in as someone else");
    expect(await (await get("/", cookieHeader(signInApp, victimCookie))).text()).toBe("Signed in as bob");
    // Spent.
    expect((await get(`/api/ironlink/callback?code=${code}&next=%2F`, `ironlink_handoff=${planted.verifier}`)).headers.get("location")).toContain("error=invalid");
    const another = await signInApp.handoff.issue(attackerSession, { origin: satelliteUrl, challenge: planted.challenge });
    // Two verifiers, one of them planted: no sign-in, and the code is spent.
    const twice = await get(`/api/ironlink/callback?code=${another}&next=%2F`, `ironlink_handoff=${newVerifier().verifier}; ironlink_handoff=${planted.verifier}`);
    expect(twice.headers.get("location")).toBe("/api/ironlink/callback?error=invalid&next=%2F");
    expect(setCookies(twice).some((entry) => entry.startsWith(`${signInApp.config.cookieName}=`))).toBe(false);
    expect((await get(`/api/ironlink/callback?code=${another}&next=%2F`, `ironlink_handoff=${planted.verifier}`)).headers.get("location")).toContain("error=invalid");
  });
});
