import { fleetPaths } from "@ironlink/session/fleet";

/**
 * Signs out of every app at once: the session is deleted from Redis, not just this cookie. A plain form
 * to the logout route, which answers with Clear-Site-Data (a server action cannot set that header).
 */
export function SignOutButton({ everywhere = false }: { everywhere?: boolean }) {
  return (
    <form method="post" action={fleetPaths.logout} className="sign-out">
      {everywhere && <input type="hidden" name="scope" value="everywhere" />}
      <button type="submit">{everywhere ? "Sign out everywhere" : "Sign out"}</button>
    </form>
  );
}
