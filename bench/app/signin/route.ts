// The fleet's own hashing, which is no entry point of the package (apps never import it): its built module.
import { hashPassword, verifyPassword } from "../../../packages/session/dist/fleet/accounts/users/password-hash.js";
import { regenerateSession } from "@ironlink/session";
import { cookies } from "next/headers";
import { json, sessionData } from "../../lib/fixture";
import { sessions } from "../../lib/ironlink";

export const dynamic = "force-dynamic";

/**
 * A sign-in as the apps do it: scrypt (the fleet's own verifyPassword, N=2^15 r=8 p=1, in its
 * low-priority hashing process), then a fresh session id and a save. The hash is made once per process.
 */
const password = "correct horse battery staple";
let stored: Promise<string> | undefined;
/** Each sign-in is another person's: one user signed in thousands of times would time the cap on sessions per user instead. */
let signIns = 0;

export async function POST(): Promise<Response> {
  stored ??= hashPassword(password);
  const started = performance.now();
  if (!(await verifyPassword(password, await stored))) return json({ error: "invalid_credentials" }, 401);
  const hashed = performance.now();
  const session = await sessions().getSession(await cookies());
  await regenerateSession(session);
  Object.assign(session, sessionData({ id: `u-signin-${++signIns}`, username: "signin" }));
  await session.save();
  const response = json({ user: session.user });
  // Where a sign-in's time goes, for the bench's report: the hash (queue and hashing process) and the session.
  response.headers.set("Server-Timing", `hash;dur=${(hashed - started).toFixed(1)}, session;dur=${(performance.now() - hashed).toFixed(1)}`);
  return response;
}
