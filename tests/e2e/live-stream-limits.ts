import { type ClientRequest, type IncomingMessage, request as httpRequest } from "node:http";
import { request as playwrightRequest } from "@playwright/test";
import { eventsPath } from "./live";
import type { TestUser } from "./fixtures";

/**
 * Event streams opened below the browser (issue 22, weakness 4): a script holding streams with a stolen or
 * its own cookie, as many as it is let. Each stream stays open until `closeAll()`, or until the app ends it.
 */
export class RawStreams {
  readonly #open: ClientRequest[] = [];

  /**
   * Asks `origin` for the event stream with `cookie`; resolves at the answer's status and headers. `from`:
   * the client's address as a trusted proxy would forward it (the app must trust one hop).
   */
  ask(origin: string, cookie: string, from?: string): Promise<IncomingMessage> {
    const headers = { cookie, accept: "text/event-stream", ...(from ? { "x-forwarded-for": from } : {}) };
    return new Promise((resolve, reject) => {
      const req = httpRequest(`${origin}${eventsPath}`, { headers }, (response) => {
        // A refusal's body is read to the end; a stream's is drained as it comes.
        response.resume();
        resolve(response);
      });
      req.on("error", (error) => (this.#open.includes(req) ? undefined : reject(error)));
      req.end();
      this.#open.push(req);
    });
  }

  closeAll(): void {
    for (const req of this.#open.splice(0)) req.destroy();
  }
}

/** Signs `user` in through the API and returns the `Cookie` header its session cookie makes. */
export async function cookieOf(origin: string, user: TestUser): Promise<string> {
  const client = await playwrightRequest.newContext();
  try {
    const response = await client.post(`${origin}/api/login`, { data: user, headers: { origin } });
    if (response.status() !== 200) throw new Error(`sign-in answered ${response.status()}: ${await response.text()}`);
    const { cookies } = await client.storageState();
    return cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join("; ");
  } finally {
    await client.dispose();
  }
}
