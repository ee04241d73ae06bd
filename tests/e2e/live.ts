import type { BrowserContext, Page, Response } from "@playwright/test";

/**
 * Helpers for live sign-out (docs/live-signout.md): a signed-in page loads /api/ironlink/live.js, which
 * listens to the app's /api/ironlink/events and, when its session ends, shows "You were signed out" for a
 * second and reloads onto the sign-in page.
 */

export const eventsPath = "/api/ironlink/events";
export const liveScriptPath = "/api/ironlink/live.js";
export const signedOutText = "You were signed out";

/** Within this long of the sign-out response, every other open tab of the session is on a sign-in page (the figure). */
export const liveDeadlineMs = 2_000;

export interface SeenNotice {
  /** The page's URL when the notice appeared. */
  url: string;
  text: string;
  /** Date.now() in the test process when the page reported it. */
  at: number;
}

/**
 * Records every "You were signed out" notice any page of `context` shows, the moment it appears: a
 * MutationObserver (an init script, so it is there on every page before the app's own scripts) calls back
 * into the test. The notice is on screen for about a second before the page reloads, too short to leave to
 * an assertion's polling.
 */
export async function recordNotices(context: BrowserContext): Promise<Map<Page, SeenNotice[]>> {
  const seen = new Map<Page, SeenNotice[]>();
  await context.exposeBinding("__ironlinkSignedOutNotice", ({ page }, url: string, text: string) => {
    const list = seen.get(page) ?? [];
    list.push({ url, text, at: Date.now() });
    seen.set(page, list);
  });
  await context.addInitScript(() => {
    const report = (window as unknown as { __ironlinkSignedOutNotice: (url: string, text: string) => void }).__ironlinkSignedOutNotice;
    const reported = new WeakSet<Node>();
    new MutationObserver(() => {
      for (const notice of document.querySelectorAll(".signed-out-notice")) {
        if (reported.has(notice)) continue;
        reported.add(notice);
        const alert = notice.getAttribute("role") === "alert" ? "" : " (no role=alert)";
        report(location.href, `${notice.textContent ?? ""}${alert}`);
      }
    }).observe(document, { childList: true, subtree: true });
  });
  return seen;
}

/** Resolves once `page` has a live stream open (the response to its EventSource request arrived). */
export function streamOpened(page: Page, origin: string): Promise<Response> {
  return page.waitForResponse((response) => {
    const url = new URL(response.url());
    return url.origin === origin && url.pathname === eventsPath && !url.searchParams.has("check");
  });
}

/** Opens `url` in a new tab of `context` and waits until its live stream is open, so an end from now on reaches it. */
export async function openLiveTab(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await gotoLive(page, url);
  return page;
}

/** Navigates `page` to `url` (a signed-in page) and waits for its live stream to be open. */
export async function gotoLive(page: Page, url: string, origin = new URL(url).origin): Promise<void> {
  const opened = streamOpened(page, origin);
  await page.goto(url);
  const response = await opened;
  if (response.status() !== 200) throw new Error(`${eventsPath} on ${origin} answered ${response.status()}`);
  if (!response.headers()["content-type"]?.startsWith("text/event-stream")) throw new Error(`${eventsPath} is not an event stream: ${response.headers()["content-type"]}`);
}

/** Waits for the POST that `click` sends to `origin` and returns when its answer arrived. */
export async function whenAnswered(page: Page, origin: string, click: () => Promise<void>): Promise<{ status: number; at: number }> {
  const answered = page.waitForResponse((response) => response.request().method() === "POST" && new URL(response.url()).origin === origin);
  await click();
  const response = await answered;
  return { status: response.status(), at: Date.now() };
}
