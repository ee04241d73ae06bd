import { hashPassword, verifyPassword } from "@ironlink/next/users";
import { regenerateSession } from "@ironlink/session";
import { cookies } from "next/headers";
import { json, sessionData } from "../../lib/fixture";
import { sessions } from "../../lib/ironlink";

export const dynamic = "force-dynamic";

/**
 * A sign-in as the apps do it: scrypt (@ironlink/next's own verifyPassword, N=2^15 r=8 p=1, in its
 * low-priority hashing process), then a fresh session id and a save. The hash is made once per process.
 */
const password = "correct horse battery staple";
let stored: Promise<string> | undefined;

export async function POST(): Promise<Response> {
  stored ??= hashPassword(password);
  if (!(await verifyPassword(password, await stored))) return json({ error: "invalid_credentials" }, 401);
  const session = await sessions().getSession(await cookies());
  await regenerateSession(session);
  Object.assign(session, sessionData({ id: "u-signin", username: "signin" }));
  await session.save();
  return json({ user: session.user });
}
