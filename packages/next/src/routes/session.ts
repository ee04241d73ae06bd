import { getCurrentSession } from "../dal";
import { apiRoute, json, jsonError } from "../http";

/** GET /api/session: the signed-in user, or 401. */
export const GET = apiRoute(async () => {
  const session = await getCurrentSession();
  if (!session.user) return jsonError(401, "unauthenticated", "Not signed in.");
  return json({ user: session.user, signedInAt: session.signedInAt });
});
