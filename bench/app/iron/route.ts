import { getIronSession } from "iron-session";
import { cookies } from "next/headers";
import { type BenchSessionData, benchPassword, ironCookieName, json, ttl } from "../../lib/fixture";

export const dynamic = "force-dynamic";

/** Stateless iron-session: the whole session sealed in the cookie, unsealed on every request. */
export async function GET(): Promise<Response> {
  const session = await getIronSession<BenchSessionData>(await cookies(), { password: benchPassword(), cookieName: ironCookieName, ttl });
  if (!session.user) return json({ error: "unauthenticated" }, 401);
  return json({ user: session.user, signedInAt: session.signedInAt });
}
