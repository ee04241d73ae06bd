import { getIronSession } from "iron-session";
import { cookies } from "next/headers";
import { type BenchSessionData, benchPassword, ironCookieName, json } from "../../../../../lib/fixture";

export const dynamic = "force-dynamic";

/** What app one's GET /api/session answers, from a stateless iron-session cookie: `{ user, signedInAt }` or 401. */
export async function GET(): Promise<Response> {
  const session = await getIronSession<BenchSessionData>(await cookies(), { password: benchPassword(), cookieName: ironCookieName });
  if (!session.user) return json({ error: "unauthenticated", message: "Not signed in." }, 401);
  return json({ user: session.user, signedInAt: session.signedInAt });
}
