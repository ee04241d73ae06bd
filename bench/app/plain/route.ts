import { json, sessionData } from "../../lib/fixture";

export const dynamic = "force-dynamic";

const data = sessionData({ id: "u-plain", username: "plain" });

/** The baseline: a dynamic route handler answering JSON, with no session at all. */
export async function GET(): Promise<Response> {
  return json({ user: data.user, signedInAt: data.signedInAt });
}
