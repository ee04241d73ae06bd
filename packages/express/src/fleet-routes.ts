import type { Fleet } from "@ironlink/session/fleet";
import type { Request, Response } from "express";

/**
 * The fleet's own routes (the cross-site sign-in, live sign-out: `fleet.handle`, the same in every kit),
 * served to Express: the request as a web-standard Request, the Response written back, streamed. Resolves
 * true when the fleet answered; false passes the request on to the app.
 */
export async function serveFleetRoute(fleet: Fleet, publicUrl: string, req: Request, res: Response): Promise<boolean> {
  // Every request passes here: most are the app's own, and cost one lookup.
  if ((req.method !== "GET" && req.method !== "HEAD") || !fleet.handles(req.path)) return false;
  const closed = new AbortController();
  res.on("close", () => closed.abort());
  const answer = await fleet.handle(toFetchRequest(req, closed.signal), {
    publicUrl,
    // Express's own reading of the client: the socket, or X-Forwarded-For as far as the app's "trust proxy" allows.
    clientAddress: req.ip ?? req.socket.remoteAddress,
  });
  if (!answer) return false;
  await writeAnswer(res, answer, closed.signal);
  return true;
}

/** Only GET and HEAD reach the fleet's routes, so no body. The path is the app's (`req.url`, past any mount point). */
function toFetchRequest(req: Request, signal: AbortSignal): globalThis.Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, one);
  }
  return new globalThis.Request(new URL(req.url, "http://ironlink.invalid"), { method: req.method, headers, signal });
}

/** Status, headers (each Set-Cookie apart) and body; an event stream's headers go out before its first event. */
async function writeAnswer(res: Response, answer: globalThis.Response, closed: AbortSignal): Promise<void> {
  res.status(answer.status);
  for (const [name, value] of answer.headers) if (name !== "set-cookie") res.setHeader(name, value);
  const cookies = answer.headers.getSetCookie();
  if (cookies.length > 0) res.append("Set-Cookie", cookies);
  if (!answer.body) {
    res.end();
    return;
  }
  res.flushHeaders();
  const reader = answer.body.getReader();
  // The browser went away: cancelling the body is what ends a live stream.
  closed.addEventListener("abort", () => void reader.cancel().catch(() => {}));
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) res.write(chunk.value);
  res.end();
}
