import { getCurrentSession } from "../dal";
import { getFleet } from "../fleet";
import { apiRoute, json, readFields } from "../http";

/**
 * POST /api/logout: ends the session in Redis, so every app sees it signed out. `{"everywhere": true}`
 * (or the form field `scope=everywhere`) ends all the user's sessions. The sign-out buttons post here as
 * plain forms and get a redirect to the login page; API clients get JSON. Both get Clear-Site-Data. A body
 * it cannot read is a plain sign-out; one over the size limit is a 413.
 */
export const POST = apiRoute(async (request, { hostsSignIn }) => {
  const isForm = (request.headers.get("content-type") ?? "").startsWith("application/x-www-form-urlencoded");
  const fields = await readFields(request, { forms: true, lenient: true });
  const everywhere = isForm ? fields.scope === "everywhere" : fields.everywhere === true;
  const session = await getCurrentSession();
  await getFleet().accounts.signOut(session, { everywhere });

  // An app without a sign-in page sends the person home, where its pages send them on to the fleet's.
  const location = hostsSignIn ? "/login" : "/";
  const response = isForm ? new Response(null, { status: 303, headers: { Location: location } }) : json({ signedOut: true, everywhere });
  response.headers.set("Clear-Site-Data", '"cookies"');
  response.headers.set("Cache-Control", "no-store");
  return response;
});
