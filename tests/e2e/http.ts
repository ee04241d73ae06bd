import net from "node:net";

/**
 * Plain HTTP for the specs that talk to the apps below the browser: fetch (no cookie jar, no redirects
 * followed) and, where fetch would refuse or fix the request, raw bytes over a socket.
 */

/**
 * A stack frame ("    at fn (file.js:1:2)") or an error name ("TypeError:", "Error [X]:"): never in an
 * answer, never in a log.
 */
export const stackTrace = /^\s+at \S.*(:\d+:\d+\)?|native\)?)$|\b\w*Error\b ?(\[\w+\])?:/m;

export interface Answer {
  status: number;
  headers: Headers;
  body: string;
  /** Milliseconds until the whole body arrived. */
  ms: number;
}

/** One request with fetch; the body read to the end. Redirects are answers, not followed. */
export async function send(url: string, init: RequestInit = {}): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(15_000), ...init });
  const body = await response.text();
  return { status: response.status, headers: response.headers, body, ms: performance.now() - started };
}

export interface RawAnswer {
  /** The status code of the first response, or undefined if the server closed without one. */
  status: number | undefined;
  /** Everything the server sent, as latin1 text. */
  text: string;
  /** "closed": the server closed the connection; "timeout": it kept it open without answering. */
  end: "closed" | "timeout" | "error";
}

/**
 * Writes `bytes` to a fresh connection and collects what comes back until the server closes it (send
 * "Connection: close"), or `timeoutMs`. `halfClose` ends the client's side after writing, as a client that
 * has nothing more to send.
 */
export function rawRequest(port: number, bytes: Buffer | string, { timeoutMs = 5_000, halfClose = false } = {}): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (end: RawAnswer["end"]) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString("latin1");
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: match ? Number(match[1]) : undefined, text, end });
    };
    const timer = setTimeout(() => finish("timeout"), timeoutMs);
    socket.on("connect", () => {
      socket.write(bytes);
      if (halfClose) socket.end();
    });
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("close", () => finish("closed"));
    socket.on("error", () => finish("error"));
  });
}

/** The body of a raw HTTP/1.1 answer (after the blank line), chunked encoding undone. */
export function rawBody(answer: RawAnswer): string {
  const split = answer.text.indexOf("\r\n\r\n");
  if (split === -1) return "";
  const head = answer.text.slice(0, split).toLowerCase();
  let body = answer.text.slice(split + 4);
  if (/\r\ntransfer-encoding: chunked/.test(head)) {
    let decoded = "";
    for (;;) {
      const eol = body.indexOf("\r\n");
      const size = Number.parseInt(body.slice(0, eol), 16);
      if (!(size > 0)) break;
      decoded += body.slice(eol + 2, eol + 2 + size);
      body = body.slice(eol + 2 + size + 2);
    }
    body = decoded;
  }
  return Buffer.from(body, "latin1").toString("utf8");
}
