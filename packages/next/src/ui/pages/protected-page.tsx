import type { ReactNode } from "react";
import Link from "next/link";
import { redirect } from "next/navigation";
import { livePaths } from "@ironlink/session/fleet";
import { getConfig } from "../../config";
import { getViewer } from "../../dal";
import { requestNonce } from "../../request-nonce";
import { signInLocation } from "../../sign-in-location";
import type { User } from "../../users/index";
import { ServiceUnavailable } from "../components/service-unavailable";
import { SignOutButton } from "../components/sign-out-button";

/**
 * A page for signed-in users only: the session is checked here, against Redis, not only in the proxy or
 * a layout. `children` is the app's own content, or a function of the user.
 */
export async function ProtectedPage({ path, children }: { path: string; children?: ReactNode | ((viewer: SignedIn) => ReactNode) }) {
  const viewer = await getViewer();
  if (viewer.status === "unavailable") return <ServiceUnavailable />;
  if (viewer.status === "legacy") redirect(`/api/session/migrate?next=${encodeURIComponent(path)}`);
  if (viewer.status !== "signed-in") redirect(signInLocation(path));

  return (
    <section className="card">
      <nav className="page-nav">
        <Link href="/">Home</Link>
        <Link href="/account">Account</Link>
      </nav>
      <p className="signed-in-as">
        Signed in as <strong>{viewer.user.username}</strong>
      </p>
      {typeof children === "function" ? await children(viewer) : children}
      <SignOutButton />
      {/* Hears of this session's end (a sign-out on any app, any device) and takes the tab to sign in. */}
      {getConfig().liveSignOut && <script src={livePaths.script} nonce={await requestNonce()} async />}
    </section>
  );
}

export interface SignedIn {
  user: User;
  publicId: string | undefined;
}
