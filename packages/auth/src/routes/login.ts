import { signIn } from "../account";
import { getCurrentSession } from "../dal";
import { apiRoute, json, jsonError, readJsonObject } from "../http";

/** POST /api/login with `{ username, password }`: 200 and the session cookie, 401 for wrong credentials. */
export const POST = apiRoute(async (request) => {
  const body = await readJsonObject(request);
  const result = await signIn(await getCurrentSession(), body);
  if (!result.ok) return jsonError(result.status, result.error, result.message, { fieldErrors: result.fieldErrors });
  return json({ user: result.user });
});
