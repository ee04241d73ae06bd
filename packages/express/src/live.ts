import { sessionInfo } from "@ironlink/session";
import { addressBucket, type Fleet, liveClientScript, livePaths, liveRefusals, liveStreamHeaders, openLiveStream } from "@ironlink/session/fleet";
import type { Request, Response } from "express";
import { refuse, refusals } from "./answers";

/**
 * The live sign-out routes, as @ironlink/next serves them: GET /api/ironlink/events (a signed-in tab's
 * stream of its session's end; `?check=1` is 204 while signed in) and GET /api/ironlink/live.js (the script a
 * page loads to listen). Resolves true when it answered the request.
 */
export async function answerLive(fleet: Fleet, req: Request, res: Response): Promise<boolean> {
  if (req.method !== "GET" || !fleet.config.liveSignOut) return false;
  if (req.path === livePaths.script) {
    res.type("text/javascript").set("Cache-Control", "public, max-age=300").send(liveClientScript);
    return true;
  }
  if (req.path !== livePaths.events) return false;
  const { publicId } = sessionInfo(req.session);
  if (!req.user || !publicId) {
    refuse(req, res, refusals.unauthenticated);
    return true;
  }
  if ("check" in req.query) {
    res.status(204).set("Cache-Control", "no-store").end();
    return true;
  }
  const opened = await openLiveStream(fleet.liveStreams(), publicId, {
    begin: () => res.writeHead(200, liveStreamHeaders).flushHeaders(),
    write: (chunk) => res.write(chunk),
    end: () => res.end(),
    // Express's own reading of the client: the socket, or X-Forwarded-For as far as the app's "trust proxy" allows.
    address: addressBucket(req.ip ?? req.socket.remoteAddress, fleet.config.ipv6PrefixLength),
  });
  if (opened === "busy" || opened === "limited") {
    res.set("Retry-After", String(liveRefusals[opened].retryAfterSeconds));
    refuse(req, res, liveRefusals[opened]);
  } else if (opened === "gone") refuse(req, res, refusals.unauthenticated);
  else req.on("close", opened);
  return true;
}
