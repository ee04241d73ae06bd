import { register } from "../account";
import { getCurrentSession } from "../dal";
import { accountResponse, apiRoute, readFields } from "../http";
import { requestContext } from "../request-context";

/** POST /api/register with `{ username, password }`: 201 and signed in, 409 when the name is taken. */
export const POST = apiRoute(async (request, options) => {
  const body = await readFields(request);
  return accountResponse(await register(options, await getCurrentSession(), body, await requestContext()), 201);
});
