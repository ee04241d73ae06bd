import { getCurrentSession } from "../dal";
import { getFleet } from "../fleet";
import { accountResponse, apiRoute, readFields } from "../http";
import { requestContext } from "../request-context";

/** POST /api/login with `{ username, password }`: 200 and the session cookie, 401 for wrong credentials, 429 when rate-limited. */
export const POST = apiRoute(async (request, options) => {
  const body = await readFields(request);
  return accountResponse(await getFleet().accounts.signIn(await getCurrentSession(), body, await requestContext(), options));
});
