import { register } from "../account";
import { getCurrentSession } from "../dal";
import { apiRoute, json, jsonError, readJsonObject } from "../http";

/** POST /api/register with `{ username, password }`: 201 and signed in, 409 when the name is taken. */
export const POST = apiRoute(async (request) => {
  const body = await readJsonObject(request);
  const result = await register(await getCurrentSession(), body);
  if (!result.ok) return jsonError(result.status, result.error, result.message, { fieldErrors: result.fieldErrors });
  return json({ user: result.user }, 201);
});
