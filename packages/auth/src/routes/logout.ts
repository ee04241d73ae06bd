import { signOut } from "../account";
import { getCurrentSession } from "../dal";
import { apiRoute, json } from "../http";

/** POST /api/logout: ends the session everywhere; succeeds for an anonymous caller too. */
export const POST = apiRoute(async () => {
  await signOut(await getCurrentSession());
  return json({ signedOut: true });
});
