import { getCurrentSession } from "../dal";
import { getFleet } from "../fleet";
import { accountResponse, apiRoute, readFields } from "../http";
import { requestContext } from "../request-context";

/** POST /api/register with `{ username, password }`: 201 and signed in, 409 when the name is taken. */
export const POST = apiRoute(async (request, options) => {
  const body = await readFields(request);
  return accountResponse(await getFleet().accounts.register(await getCurrentSession(), body, await requestContext(), options), 201);
});
