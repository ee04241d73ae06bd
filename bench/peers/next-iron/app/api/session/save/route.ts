import { getIronSession } from "iron-session";
import { cookies } from "next/headers";
import { type BenchSessionData, benchPassword, ironCookieName, json } from "../../../../../../lib/fixture";

export const dynamic = "force-dynamic";

/** A write: read the session, change one field, save (a new seal in Set-Cookie; no store). */
export async function POST(): Promise<Response> {
  const session = await getIronSession<BenchSessionData>(await cookies(), { password: benchPassword(), cookieName: ironCookieName });
  if (!session.user) return json({ error: "unauthenticated", message: "Not signed in." }, 401);
  session.lastAction = Date.now();
  await session.save();
  return json({ user: session.user, lastAction: session.lastAction });
}
