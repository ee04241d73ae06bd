import { cookies } from "next/headers";
import { json } from "../../lib/fixture";
import { sessions } from "../../lib/ironlink";

export const dynamic = "force-dynamic";

/** A write: read the session, change one field, save (a compare-and-set in Redis, no new cookie). */
export async function POST(): Promise<Response> {
  const session = await sessions().getSession(await cookies());
  if (!session.user) return json({ error: "unauthenticated" }, 401);
  session.lastAction = Date.now();
  await session.save();
  return json({ user: session.user, lastAction: session.lastAction });
}
