import { sessionInfo } from "@ironlink/session";
import { addressBucket, liveClientScript, liveRefusals, liveStreamHeaders, openLiveStream } from "@ironlink/session/fleet";
import { getCurrentSession } from "../dal";
import { getFleet } from "../fleet";
import { apiRoute, jsonError } from "../http";
import { currentClientAddress } from "../server/client-address";

/**
 * GET /api/ironlink/events: a signed-in tab's stream of its session's end (Server-Sent Events), so a tab
 * left open learns of a sign-out anywhere within a second. `?check=1` answers 204 while signed in, 401 once
 * not: what the page's script asks after an `ended` (a password change gives the same person a new session).
 */
export const events = apiRoute(async (request) => {
  const session = await getCurrentSession();
  const { publicId } = sessionInfo(session);
  if (!session.user || !publicId) return jsonError(401, "unauthenticated", "Not signed in.");
  if (new URL(request.url).searchParams.has("check")) return new Response(null, { status: 204, headers: { "Cache-Control": "no-store" } });
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let stop: (() => void) | undefined;
  // start() runs at once, so the controller is there before the first write.
  const body = new ReadableStream<Uint8Array>({
    start: (c) => {
      controller = c;
    },
    cancel: () => stop?.(),
  });
  const opened = await openLiveStream(getFleet().liveStreams(), publicId, {
    write: (chunk) => controller.enqueue(encoder.encode(chunk)),
    end: () => controller.close(),
    address: addressBucket(currentClientAddress(), getFleet().config.ipv6PrefixLength),
  });
  if (opened === "busy" || opened === "limited") {
    const { status, error, message, retryAfterSeconds } = liveRefusals[opened];
    const response = jsonError(status, error, message);
    response.headers.set("Retry-After", String(retryAfterSeconds));
    return response;
  }
  if (opened === "gone") return jsonError(401, "unauthenticated", "Not signed in.");
  stop = opened;
  request.signal.addEventListener("abort", opened);
  return new Response(body, { headers: liveStreamHeaders });
});

/** GET /api/ironlink/live.js: the script a signed-in page loads to hear of its session's end. */
export async function script(): Promise<Response> {
  return new Response(liveClientScript, { headers: { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "public, max-age=300" } });
}
