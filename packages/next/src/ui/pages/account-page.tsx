import { listOwnSessions } from "../../dal";
import { describeUserAgent } from "../../user-agent";
import { ServiceUnavailable } from "../components/service-unavailable";
import { SignOutButton } from "../components/sign-out-button";
import type { KitProps } from "../kit-props";
import { ProtectedPage, type SignedIn } from "./protected-page";
import { SignInMethods } from "./sign-in-methods";
import { Time } from "./time";
import { authMethods } from "@ironlink/session/fleet";

/**
 * /account: the user's sessions across the fleet, ending any of them, and the password.
 * `<AccountPage ironlink={ironlink} submitForm={submitForm} />`.
 */
export function AccountPage(kit: KitProps) {
  return (
    <ProtectedPage ironlink={kit.ironlink} path="/account">
      {(viewer) => <AccountDetails {...viewer} {...kit} />}
    </ProtectedPage>
  );
}

async function AccountDetails({ user, publicId, ironlink, submitForm }: SignedIn & KitProps) {
  const sessions = await listOwnSessions(user);
  if (!sessions) return <ServiceUnavailable />;
  // A plain form's action, whose answer nobody reads: React types one as returning nothing.
  const endSession = submitForm.bind(null, "endSession", {}) as unknown as (data: FormData) => Promise<void>;
  return (
    <>
      <h2>Your sessions</h2>
      <ul className="session-list" aria-label="Active sessions">
        {sessions.map((session) => (
          <li key={session.publicId} className="session-item" data-current={session.publicId === publicId}>
            <div>
              <strong>{describeUserAgent(session.data.userAgent)}</strong> on {session.data.signedInOn ?? "an app"}
              {session.data.seenOn && session.data.seenOn.length > 1 && (
                <>
                  <br />
                  <small className="seen-on">Used on {session.data.seenOn.map((origin) => new URL(origin).host).join(", ")}</small>
                </>
              )}
              {session.publicId === publicId && <span className="this-device"> (this device)</span>}
              <br />
              <small>
                Signed in with {authMethods.describe(session.data.amr)}, <Time at={session.createdAt} /> · last seen <Time at={session.lastSeenAt} />
              </small>
            </div>
            {session.publicId !== publicId && (
              <form action={endSession}>
                <input type="hidden" name="publicId" value={session.publicId} />
                {/* "Sign out" is this device's, in the header: another session is ended. */}
                <button type="submit" className="secondary">
                  End session
                </button>
              </form>
            )}
          </li>
        ))}
      </ul>
      <SignOutButton everywhere />
      {/* With the app's own verifyCredentials, passwords are changed where the accounts live (SignInMethods shows no form). */}
      <SignInMethods user={user} ironlink={ironlink} submitForm={submitForm} />
    </>
  );
}
