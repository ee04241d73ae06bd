import { ironlink } from "../../../lib/ironlink";
import { currentTheme } from "../../../lib/preferences";

/**
 * GET /api/preferences: the theme the signed-in person picked on App Two, as this app reads it from the
 * fleet's shared session. (Next prefers this static route to the kit's catch-all under /api/.)
 */
export async function GET(): Promise<Response> {
  const viewer = await ironlink.getViewer();
  if (viewer.status === "unavailable") return answer(503, { error: "unavailable", message: "The session store did not answer. Try again shortly." });
  if (viewer.status !== "signed-in") return answer(401, { error: "unauthenticated", message: "Sign in first." });
  return answer(200, { theme: await currentTheme() });
}

// Never cached: the answer comes from the person's session.
const answer = (status: number, body: object) => Response.json(body, { status, headers: { "Cache-Control": "no-store" } });
