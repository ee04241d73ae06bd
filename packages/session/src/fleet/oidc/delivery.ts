/**
 * Back-channel logout deliveries (OIDC Back-Channel Logout 1.0): oidc-provider signs each logout token, and
 * this queue POSTs it to the client's backchannel_logout_uri, so the request that ended a session never
 * waits for a client. A client that is down or answers 5xx/429 is tried again with backoff (½ s, 1 s, 2 s,
 * … eight tries over about two minutes); a 4xx other than 408/429 means the client refused the token, which
 * a retry would not change. Bounded: past `maxPending` deliveries in flight, new ones are dropped and logged.
 */
export interface Deliveries {
  /** Queues one delivery; false when the queue is full (logged). Never throws, never waits. */
  send(url: string, body: string): boolean;
  readonly pending: number;
  close(): void;
}

export const deliveryDefaults = { maxPending: 10_000, attempts: 8, firstRetryMs: 500, timeoutMs: 2_500 } as const;

const retryable = (status: number) => status >= 500 || status === 408 || status === 429;

export function createDeliveries(options: Partial<typeof deliveryDefaults> & { fetch?: typeof fetch } = {}): Deliveries {
  const { maxPending, attempts, firstRetryMs, timeoutMs } = { ...deliveryDefaults, ...options };
  const post = options.fetch ?? globalThis.fetch;
  const timers = new Set<NodeJS.Timeout>();
  let pending = 0;
  let closed = false;

  const deliver = (url: string, body: string, attempt: number): void => {
    const retry = (why: string) => {
      if (closed || attempt + 1 >= attempts) {
        console.warn(`ironlink: back-channel logout to ${url} not delivered after ${attempt + 1} tries (${why}).`);
        pending -= 1;
        return;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        deliver(url, body, attempt + 1);
      }, firstRetryMs * 2 ** attempt);
      timer.unref();
      timers.add(timer);
    };
    const headers = { "content-type": "application/x-www-form-urlencoded" };
    post(url, { method: "POST", body, headers, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) }).then(
      (response) => {
        void response.body?.cancel();
        if (response.status === 200 || response.status === 204) pending -= 1;
        else if (retryable(response.status)) retry(`answered ${response.status}`);
        else {
          console.warn(`ironlink: back-channel logout to ${url} refused with ${response.status}; not retried.`);
          pending -= 1;
        }
      },
      (error: Error) => retry(error.message),
    );
  };

  return {
    send(url, body) {
      if (pending >= maxPending) {
        console.warn(`ironlink: ${pending} back-channel logouts are in flight; one to ${url} was dropped.`);
        return false;
      }
      pending += 1;
      deliver(url, body, 0);
      return true;
    },
    get pending() {
      return pending;
    },
    close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}

/**
 * oidc-provider's `fetch` option: a logout token's POST is handed to `deliveries` and answered 200 at once
 * (the provider never waits for a client); any other request goes out as oidc-provider sent it, with its
 * protection against private addresses.
 */
export function deliveringFetch(deliveries: Deliveries): (url: URL | string, options: RequestInit) => Promise<Response> {
  return (url, options) => {
    const body = options.body;
    if (options.method === "POST" && body instanceof URLSearchParams && body.has("logout_token")) {
      deliveries.send(String(url), body.toString());
      return Promise.resolve(new Response(null, { status: 200 }));
    }
    return globalThis.fetch(url, options);
  };
}
