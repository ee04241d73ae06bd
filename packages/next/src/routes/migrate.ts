import { sessionInfo } from "@ironlink/session";
import { getCurrentSession } from "../dal";
import { apiRoute } from "../http";
import { getFleet } from "../fleet";

/**
 * GET /api/session/migrate?next=/path: pages cannot write cookies, so a page that receives a stateless
 * iron-session cookie sends the browser here. The cookie's data moves into Redis under a new session id
 * (accepted once), the cookie is replaced, and the browser goes back to where it was.
 */
export const GET = apiRoute(async (request) => {
  const session = await getCurrentSession();
  if (sessionInfo(session).state === "legacy") await session.save();
  const next = getFleet().returnAddress(new URL(request.url).searchParams.get("next")).url;
  return new Response(null, { status: 303, headers: { Location: next, "Cache-Control": "no-store" } });
});
