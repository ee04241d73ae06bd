import type { BrowserContext, Page, Request, Response, TestInfo } from "@playwright/test";
import { type CrossSiteFleet, handoffCookieName } from "./cross-site-fleet";
import { test as base, expect, registerViaUi, type TestUser, uniqueUser } from "./fixtures";

export { expect };

/** Paths of the satellite's half of the cross-site sign-in. */
export const startPath = "/api/ironlink/start";
export const callbackPath = "/api/ironlink/callback";

/** What one browser context asked for, and the one-time codes it carried to a callback. */
export interface Traffic {
  /** Every request, in order: `METHOD url`. */
  requests: Request[];
  /** The `code` of every callback URL the browser asked for (redeemed, refused or aborted). */
  codes: string[];
}

/** Every code any context of this worker carried: none may show up in any server's output. */
export const seenCodes = new Set<string>();
const traffic = new WeakMap<BrowserContext, Traffic>();

/** Starts (once) recording `context`'s requests and the codes in its callback URLs. */
export function record(context: BrowserContext): Traffic {
  const known = traffic.get(context);
  if (known) return known;
  const recorded: Traffic = { requests: [], codes: [] };
  traffic.set(context, recorded);
  context.on("request", (request) => {
    recorded.requests.push(request);
    const url = new URL(request.url());
    const code = url.searchParams.get("code");
    if (url.pathname === callbackPath && code) {
      recorded.codes.push(code);
      seenCodes.add(code);
    }
  });
  return recorded;
}

/**
 * The suite's `test` (5xx and page errors fail a test), with every browser context recorded: its requests,
 * and the one-time codes it carried.
 */
export const test = base.extend({
  context: async ({ context }, use) => {
    record(context);
    await use(context);
  },
  newContext: async ({ newContext }, use) => {
    await use(async () => {
      const context = await newContext();
      record(context);
      return context;
    });
  },
});

/**
 * After each test of a spec on a fleet of its own, however it went: no code any browser carried is in any
 * server's output; and the servers' logs attached when the test failed.
 */
export async function checkServersAfterTest(fleet: CrossSiteFleet | undefined, testInfo: TestInfo): Promise<void> {
  if (!fleet) return;
  const output = fleet.output;
  for (const code of seenCodes) expect(output.includes(code), `code ${code} in the servers' output`).toBe(false);
  if (testInfo.status !== testInfo.expectedStatus) {
    for (const run of fleet.runs) await testInfo.attach(`${run.name}.log`, { body: run.output, contentType: "text/plain" });
  }
}

/** The requests of a navigation, first to last, following its redirects back from the final response. */
export function redirectChain(response: Response | null): Request[] {
  const chain: Request[] = [];
  for (let request: Request | null = response?.request() ?? null; request; request = request.redirectedFrom()) chain.unshift(request);
  return chain;
}

/** `origin` + `pathname` of a URL, without its query: where a request went. */
export const place = (url: string) => {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
};

/** Main-frame navigations of `page` from now on (each request of a redirect chain counts). */
export function countNavigations(page: Page): string[] {
  const navigations: string[] = [];
  page.on("request", (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) navigations.push(request.url());
  });
  return navigations;
}

/**
 * Aborts every request that leaves the fleet (any host but its three, ports included), and records it:
 * `*.test` names all resolve to 127.0.0.1 here, so a look-alike host would otherwise reach an app.
 */
export async function guardFleetHosts(context: BrowserContext, fleet: CrossSiteFleet): Promise<string[]> {
  const offsite: string[] = [];
  const hosts = fleet.hosts;
  await context.route(
    (url) => !hosts.includes(url.host),
    (route) => {
      offsite.push(route.request().url());
      return route.abort();
    },
  );
  return offsite;
}

export type Cookies = Awaited<ReturnType<BrowserContext["cookies"]>>;

export interface PausedRequest {
  url: URL;
  method: string;
  /** Answers the request with this response instead of sending it (a redirect is followed as usual). */
  fulfill(answer: { status: number; headers: Record<string, string>; body?: string }): Promise<void>;
  /** Fails it as if the network did (the navigation ends with net::ERR_ABORTED). */
  abort(): Promise<void>;
}

/**
 * Pauses every request of `page` that `matches`, before it is sent, and hands it to `handle` (which may answer
 * or abort it; otherwise it goes on). Chromium's own Fetch domain, not page.route(): Playwright's routes never
 * see the requests a redirect leads to, and the handoff is nothing but redirects. Chromium only, as the
 * project is. `stop()` ends it.
 */
export async function pauseRequests(page: Page, matches: (url: URL) => boolean, handle: (request: PausedRequest) => Promise<void>): Promise<{ stop: () => Promise<void> }> {
  const cdp = await page.context().newCDPSession(page);
  cdp.on("Fetch.requestPaused", async (event) => {
    const url = new URL(event.request.url);
    const requestId = event.requestId;
    let settled = false;
    const paused: PausedRequest = {
      url,
      method: event.request.method,
      fulfill: async ({ status, headers, body = "" }) => {
        settled = true;
        const responseHeaders = Object.entries(headers).map(([name, value]) => ({ name, value }));
        await cdp.send("Fetch.fulfillRequest", { requestId, responseCode: status, responseHeaders, body: Buffer.from(body).toString("base64") });
      },
      abort: async () => {
        settled = true;
        await cdp.send("Fetch.failRequest", { requestId, errorReason: "Aborted" });
      },
    };
    try {
      if (matches(url)) await handle(paused);
    } finally {
      if (!settled) await cdp.send("Fetch.continueRequest", { requestId }).catch(() => {});
    }
  });
  await cdp.send("Fetch.enable", { patterns: [{ urlPattern: "*", requestStage: "Request" }] });
  return {
    stop: async () => {
      await cdp.send("Fetch.disable").catch(() => {});
      await cdp.detach().catch(() => {});
    },
  };
}

export interface CapturedCallback {
  url: string;
  code: string;
  /** The cookies the browser sent with the callback (its verifier among them). */
  cookies: Cookies;
}

/**
 * The browser's next request for `origin`'s callback with a code: its URL and the satellite's cookies at that
 * moment. Aborted unless `letThrough` (then redeemed as usual). `captured()` waits for it (start the
 * navigation first) and ends the interception.
 */
export async function interceptCallback(page: Page, origin: string, { letThrough = false } = {}): Promise<{ captured: () => Promise<CapturedCallback> }> {
  let resolve!: (value: CapturedCallback) => void;
  const seen = new Promise<CapturedCallback>((done) => {
    resolve = done;
  });
  const pause = await pauseRequests(
    page,
    (url) => url.origin === origin && url.pathname === callbackPath && url.searchParams.has("code"),
    async (request) => {
      // The cookies for the callback's own URL: the verifier may be scoped to its path.
      resolve({ url: request.url.href, code: request.url.searchParams.get("code")!, cookies: await page.context().cookies(request.url.href) });
      if (!letThrough) await request.abort();
    },
  );
  return {
    captured: async () => {
      const value = await seen;
      await pause.stop();
      return value;
    },
  };
}

/** Clicks the page's "Sign out" button and waits until `origin` answered the sign-out and the next page loaded. */
export async function clickSignOut(page: Page, origin: string): Promise<void> {
  const signedOut = page.waitForResponse((response) => response.request().method() === "POST" && new URL(response.url()).origin === origin);
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  expect((await signedOut).status()).toBeLessThan(400);
  await page.waitForLoadState("load");
}

export interface AttackersHandoff {
  /** The callback URL with the attacker's code, never redeemed. */
  url: string;
  /** The verifier the attacker's browser holds for it. */
  verifier: string;
  user: TestUser;
  /** The attacker's browser, which still holds its verifier. */
  page: Page;
}

/**
 * A login-CSRF attacker's first step: a fresh account signed in on the sign-in app in a browser of the
 * attacker's, a hand-off to `origin` started there, and the callback stopped before it is redeemed: its URL
 * (with the code) and the verifier that browser got, to plant in a victim's.
 */
export async function attackersHandoff(newContext: () => Promise<BrowserContext>, fleet: CrossSiteFleet, origin: string): Promise<AttackersHandoff> {
  const page = await (await newContext()).newPage();
  const user = uniqueUser();
  await registerViaUi(page, fleet.one, user);
  const intercepted = await interceptCallback(page, origin);
  await page.goto(`${origin}/`).catch(() => {});
  const { url, cookies } = await intercepted.captured();
  const verifier = cookies.find((cookie) => cookie.name.endsWith(handoffCookieName))?.value;
  if (!verifier) throw new Error(`no verifier cookie for ${origin}: ${cookies.map((cookie) => cookie.name).join(", ")}`);
  return { url, verifier, user, page };
}

/**
 * Plants `verifier` in `context` as an attacker can: an unprefixed `ironlink_handoff`, not Secure, `Path=/`,
 * for `domain` (a parent domain, as a sibling subdomain sets it with `Domain=`; or the host itself, as a
 * plain-HTTP answer forged on the network sets it).
 */
export async function plantVerifier(context: BrowserContext, verifier: string, domain: string): Promise<void> {
  await context.addCookies([{ name: handoffCookieName, value: verifier, domain, path: "/", httpOnly: false, secure: false, sameSite: "Lax" }]);
}
