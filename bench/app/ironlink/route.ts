import { cookies } from "next/headers";
import { json } from "../../lib/fixture";
import { sessions } from "../../lib/ironlink";

export const dynamic = "force-dynamic";

/** Ironlink: the cookie holds a sealed session id, the session lives in Redis (GET /api/session in the apps). */
export async function GET(): Promise<Response> {
  const session = await sessions().getSession(await cookies());
  if (!session.user) return json({ error: "unauthenticated" }, 401);
  return json({ user: session.user, signedInAt: session.signedInAt });
}
