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
   * lost connection to the store came back ("ended"); replaced in this browser ("replaced"); or when the stream
   * reached its maximum age ("expired": the page reconnects). Resolves to a function that stops watching; to
   * undefined when the session is already over; to "busy" when the process holds `max` streams (the caller
   * answers 503); to "limited" when the session or the client's address holds its share (429).
   */
  open(publicId: string, onEnd: (reason: LiveEnd) => void, client?: { address?: string | undefined }): Promise<(() => void) | "busy" | "limited" | undefined>;
  readonly size: number;
  close(): Promise<void>;
}

/** Why a stream ends: its session ended, went on under a new id in this browser, or the stream grew old. */
export type LiveEnd = "ended" | "replaced" | "expired";

export interface LiveStreamLimits {
  /** Open streams per process; beyond, "busy" (503). */
  max?: number;
  /**
   * Open streams per session; beyond, "limited" (429). Tabs of one browser share one stream, but a browser
   * without Web Locks opens one per tab, and a reconnect can overlap its old stream: a few, not one.
   */
  perSession?: number;
  /** Open streams per client address (an opaque key: the caller may bucket it); beyond, "limited" (429). */
  perAddress?: number;
  /**
   * Milliseconds after which a stream is ended cleanly and the page reconnects (a tenth more at most, so
   * streams opened together do not come back together): a stream on a dead connection frees its place.
   */
  maxAgeMs?: number;
}

/** The bounds' defaults: per address, more than an office behind one NAT opens on one process. */
export const liveStreamDefaults = { max: 1000, perSession: 4, perAddress: 1000, maxAgeSeconds: 15 * 60 } as const;

/** What a kit answers for a stream it cannot open: the same status, code, sentence and Retry-After everywhere. */
export const liveRefusals = {
  busy: {
    status: 503,
    error: "busy",
    title: "Too many open tabs",
    message: "Too many open tabs on this app right now: the page will try again.",
    retryAfterSeconds: 5,
  },
  limited: {
    status: 429,
    error: "too_many_streams",
    title: "Too many open tabs",
    message: "Too many open live streams for this session or network: the page will try again.",
    retryAfterSeconds: 30,
  },
} as const;

interface Watch {
  onEnd: (reason: LiveEnd) => void;
  timer: NodeJS.Timeout | undefined;
  /** Ends the stream at its maximum age. */
  ageTimer: NodeJS.Timeout | undefined;
  /** Gives back the stream's places (process, session, address). */
  release: () => void;
}

/** Where every kit serves a signed-in page's event stream and the script that listens to it. */
export const livePaths = { events: "/api/ironlink/events", script: "/api/ironlink/live.js" } as const;

/** An event stream's headers: never cached, and never compressed (a zlib state per open stream costs 200 kB). */
export const liveStreamHeaders = { "Content-Type": "text/event-stream", "Cache-Control": "no-store, no-transform", "X-Accel-Buffering": "no" } as const;

/**
 * The places streams take: one of the process's `max`, one of their session's and one of their address's.
 * A place is taken before anything is awaited, so opens arriving together cannot pass a bound.
 */
function streamPlaces({ max, perSession, perAddress }: Required<Omit<LiveStreamLimits, "maxAgeMs">>) {
  const bySession = new Map<string, number>();
  const byAddress = new Map<string, number>();
  let size = 0;
  const give = (counts: Map<string, number>, key: string) => {
    const left = (counts.get(key) ?? 1) - 1;
    if (left > 0) counts.set(key, left);
    else counts.delete(key);
  };
  return {
    get size() {
      return size;
    },
    /** The release function, or why there is no place. */
    take(publicId: string, address: string | undefined): (() => void) | "busy" | "limited" {
      // A full process is the truth for everyone (503); only then is one session's or address's share asked.
      if (size >= max) return "busy";
      if ((bySession.get(publicId) ?? 0) >= perSession) return "limited";
      if (address !== undefined && (byAddress.get(address) ?? 0) >= perAddress) return "limited";
      size += 1;
      bySession.set(publicId, (bySession.get(publicId) ?? 0) + 1);
      if (address !== undefined) byAddress.set(address, (byAddress.get(address) ?? 0) + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        size -= 1;
        give(bySession, publicId);
        if (address !== undefined) give(byAddress, address);
      };
    },
  };
}

/** The open streams of a process by session: each ends once, by its session's end, its age or its browser. */
function watchRegistry() {
  const watches = new Map<string, Set<Watch>>();
  const remove = (publicId: string, watch: Watch): boolean => {
    const set = watches.get(publicId);
    if (!set?.delete(watch)) return false;
    if (set.size === 0) watches.delete(publicId);
    clearTimeout(watch.timer);
    clearTimeout(watch.ageTimer);
    watch.release();
    return true;
  };
  const finish = (publicId: string, watch: Watch, reason: LiveEnd) => {
    if (remove(publicId, watch)) watch.onEnd(reason);
  };
  return {
    watches,
    remove,
    finish,
    add(publicId: string, watch: Watch) {
      const set = watches.get(publicId) ?? new Set<Watch>();
      set.add(watch);
      watches.set(publicId, set);
    },
    endAll(publicId: string, reason: LiveEnd) {
      for (const watch of watches.get(publicId) ?? []) finish(publicId, watch, reason);
    },
  };
}

export function createLiveStreams(store: SessionStore, limits: LiveStreamLimits = {}): LiveStreams {
  const { subscribeEnded, expiresIn } = store;
  if (!subscribeEnded || !expiresIn) throw new TypeError("ironlink: this session store cannot announce ended sessions (no subscribeEnded/expiresIn).");
  const { maxAgeMs, ...bounds } = { ...liveStreamDefaults, maxAgeMs: liveStreamDefaults.maxAgeSeconds * 1000, ...definedOnly(limits) };
  const places = streamPlaces(bounds);
  const { watches, remove, finish, add, endAll } = watchRegistry();
  let subscription: Promise<() => Promise<void>> | undefined;

  // What was announced while the connection was down is found by asking about each watched session once.
  const resync = () => {
    for (const publicId of watches.keys()) void armTimeout(publicId);
  };
  // At the moment the session would time out: still there (a request moved the idle window)? Then wait again.
  const armTimeout = async (publicId: string) => {
    const left = await expiresIn.call(store, publicId).catch(() => undefined);
    if (left === undefined) return;
    if (left === null || left <= 0) return endAll(publicId, "ended");
    for (const watch of watches.get(publicId) ?? []) {
      clearTimeout(watch.timer);
      watch.timer = unrefTimer(() => void armTimeout(publicId), left + 50);
    }
  };
  // A subscription that failed (the store was down) is tried again by the next open, not kept.
  const subscribe = () =>
    (subscription ??= subscribeEnded.call(store, (publicId, replaced) => endAll(publicId, replaced ? "replaced" : "ended"), resync).catch((error: unknown) => {
      subscription = undefined;
      throw error;
    }));

  return {
    get size() {
      return places.size;
    },
    async open(publicId, onEnd, { address } = {}) {
      const release = places.take(publicId, address);
      if (typeof release === "string") return release;
      let left: number | null;
      try {
        await subscribe();
        left = await expiresIn.call(store, publicId);
      } catch (error) {
        release();
        throw error;
      }
      if (left === null || left <= 0) return void release();
      const watch: Watch = { onEnd, timer: undefined, ageTimer: undefined, release };
      add(publicId, watch);
      watch.timer = unrefTimer(() => void armTimeout(publicId), left + 50);
      watch.ageTimer = unrefTimer(() => finish(publicId, watch, "expired"), maxAgeMs * (1 + Math.random() / 10));
      return () => void remove(publicId, watch);
    },
    async close() {
      for (const [publicId, set] of watches) for (const watch of set) remove(publicId, watch);
      if (subscription) await (await subscription)();
    },
  };
}

/** A timer that does not keep the process alive, capped at what setTimeout accepts. */
function unrefTimer(run: () => void, ms: number): NodeJS.Timeout {
  const timer = setTimeout(run, Math.min(ms, 2 ** 31 - 1));
  timer.unref();
  return timer;
}

/** The options that were given, so an undefined one keeps its default. */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
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
  // The app or the store restarting, or a stream refused (429, 503): try again, waiting longer each time
  // (0.5 s, 1 s, 2 s, … 30 s). Only a stream that opened resets the wait: a stream the server ends cleanly
  // (its maximum age) comes back after 0.5 s, a refused one never faster than the backoff.
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
 * the opening lines, a ping every 20 s, and `ended` then `end()` when the session ends (just `end()` when the
 * stream reaches its maximum age: the page reconnects). `address` is the client's, for the per-address bound.
 * Resolves to the function to call when the browser goes away, or to "busy" / "limited" / "gone" for the kit
 * to answer 503 / 429 (`liveRefusals`) / 401 instead.
 */
export async function openLiveStream(
  streams: LiveStreams,
  publicId: string,
  { begin = () => {}, write, end, address }: { begin?: () => void; write: (chunk: string) => void; end: () => void; address?: string | undefined },
): Promise<(() => void) | "busy" | "limited" | "gone"> {
  let ping: NodeJS.Timeout | undefined;
  const stop = await streams.open(
    publicId,
    (reason) => {
      clearInterval(ping);
      if (reason !== "expired") write(reason === "replaced" ? liveEvents.replaced : liveEvents.ended);
      end();
    },
    { address },
  );
  if (stop === "busy" || stop === "limited") return stop;
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
