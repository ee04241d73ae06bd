import type { SessionStore } from "./stores/session-store";

/**
 * Live sign-out: one subscription per process to the store's "session ended" announcements, shared by
 * every open stream of the process. A stream costs a held connection and a timer, never a Redis command
 * while nothing happens: it asks the store once when it opens, and again only when its session would
 * time out, in case a request moved the idle window meanwhile.
 */
export interface LiveStreams {
  /**
   * Calls `onEnd` once when the session `publicId` ends: signed out, revoked, timed out, or found gone after a
   * lost connection to the store came back. Resolves to a function that stops watching; to undefined when the
   * session is already over, or when `max` streams are open (then the caller answers 503).
   */
  open(publicId: string, onEnd: (replaced: boolean) => void): Promise<(() => void) | "busy" | undefined>;
  readonly size: number;
  close(): Promise<void>;
}

interface Watch {
  onEnd: (replaced: boolean) => void;
  timer: NodeJS.Timeout | undefined;
}

/** Where every kit serves a signed-in page's event stream and the script that listens to it. */
export const livePaths = { events: "/api/ironlink/events", script: "/api/ironlink/live.js" } as const;

/** An event stream's headers: never cached, and never compressed (a zlib state per open stream costs 200 kB). */
export const liveStreamHeaders = { "Content-Type": "text/event-stream", "Cache-Control": "no-store, no-transform", "X-Accel-Buffering": "no" } as const;

/** Default bound on open streams per process, beyond which new ones are refused. */
export const defaultMaxStreams = 1000;

export function createLiveStreams(store: SessionStore, { max = defaultMaxStreams } = {}): LiveStreams {
  const { subscribeEnded, expiresIn } = store;
  if (!subscribeEnded || !expiresIn) throw new TypeError("ironlink: this session store cannot announce ended sessions (no subscribeEnded/expiresIn).");
  const watches = new Map<string, Set<Watch>>();
  let size = 0;
  let subscription: Promise<() => Promise<void>> | undefined;

  const endAll = (publicId: string, replaced = false) => {
    for (const watch of watches.get(publicId) ?? []) finish(publicId, watch, replaced);
  };
  const finish = (publicId: string, watch: Watch, replaced: boolean) => {
    if (!remove(publicId, watch)) return;
    watch.onEnd(replaced);
  };
  const remove = (publicId: string, watch: Watch): boolean => {
    const set = watches.get(publicId);
    if (!set?.delete(watch)) return false;
    if (set.size === 0) watches.delete(publicId);
    clearTimeout(watch.timer);
    size -= 1;
    return true;
  };
  // What was announced while the connection was down is found by asking about each watched session once.
  const resync = () => {
    for (const publicId of watches.keys()) void armTimeout(publicId);
  };
  // At the moment the session would time out: still there (a request moved the idle window)? Then wait again.
  const armTimeout = async (publicId: string) => {
    const left = await expiresIn.call(store, publicId).catch(() => undefined);
    if (left === undefined) return;
    if (left === null || left <= 0) return endAll(publicId);
    for (const watch of watches.get(publicId) ?? []) {
      clearTimeout(watch.timer);
      watch.timer = setTimeout(() => void armTimeout(publicId), Math.min(left + 50, 2 ** 31 - 1));
      watch.timer.unref();
    }
  };

  return {
    get size() {
      return size;
    },
    async open(publicId, onEnd) {
      if (size >= max) return "busy";
      // The place is taken before anything is awaited, so opens arriving together cannot pass the bound.
      size += 1;
      let left: number | null;
      try {
        // A subscription that failed (the store was down) is tried again by the next open, not kept.
        subscription ??= subscribeEnded.call(store, endAll, resync).catch((error: unknown) => {
          subscription = undefined;
          throw error;
        });
        await subscription;
        left = await expiresIn.call(store, publicId);
      } catch (error) {
        size -= 1;
        throw error;
      }
      if (left === null || left <= 0) {
        size -= 1;
        return undefined;
      }
      const watch: Watch = { onEnd, timer: undefined };
      const set = watches.get(publicId) ?? new Set<Watch>();
      set.add(watch);
      watches.set(publicId, set);
      watch.timer = setTimeout(() => void armTimeout(publicId), Math.min(left + 50, 2 ** 31 - 1));
      watch.timer.unref();
      return () => void remove(publicId, watch);
    },
    async close() {
      for (const [publicId, set] of watches) for (const watch of set) remove(publicId, watch);
      if (subscription) await (await subscription)();
    },
  };
}

/** The Server-Sent Events of a live stream, the same for every kit. */
export const liveEvents = {
  /** First: how long a browser waits before reconnecting (EventSource does it by itself). */
  open: ": connected\n\n",
  /** Every 20 s, so proxies do not close an idle connection. */
  ping: ": ping\n\n",
  ended: "event: ended\ndata: {}\n\n",
  /** The session goes on under a new id in this browser (a password change): listen again, no hurry. */
  replaced: "event: replaced\ndata: {}\n\n",
} as const;
export const livePingMs = 20_000;

/**
 * What a signed-in page loads (as a script from the app's own origin) to hear that its session ended: it
 * listens to the app's event stream and, when told, asks the app whether the person is still signed in (a
 * password change gives the same person a new session: then it just listens again). If not, it says so and
 * reloads, which takes the person to sign in. A lost stream is asked about again with a growing delay; the new
 * stream re-checks the session when it opens, so an end missed meanwhile is still seen.
 */
export const liveClientScript = `(() => {
  const events = ${JSON.stringify(livePaths.events)};
  // Tabs of one origin share one stream (a browser holds six connections per host): the tab holding the
  // lock listens for all and tells the others; when it closes, the next tab takes the lock over.
  const tabs = "BroadcastChannel" in self ? new BroadcastChannel("ironlink-live") : null;
  let failures = 0;
  // The app or the store restarting: try again, waiting longer each time (0.5 s, 1 s, 2 s, … 30 s).
  const later = (then) => setTimeout(then, Math.min(30000, 500 * 2 ** failures++));
  const signedOut = () => {
    const notice = document.createElement("p");
    notice.setAttribute("role", "alert");
    notice.className = "signed-out-notice";
    notice.textContent = "You were signed out";
    (document.querySelector("main") || document.body).prepend(notice);
    setTimeout(() => location.reload(), 500);
  };
  const check = async (listening) => {
    const status = await fetch(events + "?check=1", { cache: "no-store" }).then((r) => r.status, () => 0);
    if (status === 204) return listening && watch();
    if (status === 401) return signedOut();
    if (listening) later(() => check(true));
  };
  const watch = () => {
    const source = new EventSource(events);
    // "replaced": this tab's own password change may still be on its way back with the new cookie.
    const over = (delay) => (source.close(), tabs && tabs.postMessage(delay), setTimeout(() => check(true), delay));
    source.addEventListener("open", () => (failures = 0));
    source.addEventListener("ended", () => over(0));
    source.addEventListener("replaced", () => over(1500));
    source.addEventListener("error", () => (source.close(), later(() => check(true))));
  };
  if (tabs) tabs.onmessage = (message) => setTimeout(() => check(false), Number(message.data) || 0);
  if (navigator.locks) navigator.locks.request("ironlink-live", () => new Promise(watch));
  else watch();
})();
`;

/**
 * One browser's event stream, over whatever the kit's response is: `begin()` (the kit sends its headers),
 * the opening lines, a ping every 20 s, and
 * `ended` then `end()` when the session ends. Resolves to the function to call when the browser goes away,
 * or to "busy" / "gone" for the kit to answer 503 / 401 instead.
 */
export async function openLiveStream(
  streams: LiveStreams,
  publicId: string,
  { begin = () => {}, write, end }: { begin?: () => void; write: (chunk: string) => void; end: () => void },
): Promise<(() => void) | "busy" | "gone"> {
  let ping: NodeJS.Timeout | undefined;
  const stop = await streams.open(publicId, (replaced) => {
    clearInterval(ping);
    write(replaced ? liveEvents.replaced : liveEvents.ended);
    end();
  });
  if (stop === "busy") return "busy";
  if (!stop) return "gone";
  begin();
  write(liveEvents.open);
  ping = setInterval(() => write(liveEvents.ping), livePingMs);
  ping.unref();
  return () => {
    clearInterval(ping);
    stop();
  };
}
