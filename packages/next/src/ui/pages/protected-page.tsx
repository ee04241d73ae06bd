import type { ReactNode } from "react";
import Link from "next/link";
import { redirect } from "next/navigation";
import { getViewer } from "../../dal";
import { accountLocation, signInLocation } from "../../sign-in-location";
import type { ResolvedOptions } from "../../options";
import type { User } from "../../session";
import { ServiceUnavailable } from "../components/service-unavailable";
import { SignOutButton } from "../components/sign-out-button";

/**
 * A page for signed-in users only: the session is checked here, against Redis, not only in the proxy or
 * a layout. `children` is the app's own content, or a function of the user; `ironlink` is the app's instance
 * (lib/ironlink.ts), which says where sign-in and the account page are.
 */
export async function ProtectedPage({
  ironlink: { options },
  path,
  children,
}: { ironlink: { readonly options: ResolvedOptions }; path: string; children?: ReactNode | ((viewer: SignedIn) => ReactNode) }) {
  const viewer = await getViewer();
  if (viewer.status === "unavailable") return <ServiceUnavailable />;
  if (viewer.status === "legacy") redirect(`/api/session/migrate?next=${encodeURIComponent(path)}`);
  if (viewer.status !== "signed-in") redirect(signInLocation(options, path));

  return (
    <section className="card">
      <nav className="page-nav">
        <Link href="/">Home</Link>
        {/* On an app that hosts no sign-in pages, the sign-in app's account page: this app has none. */}
        <Link href={accountLocation(options)}>Account</Link>
      </nav>
      <p className="signed-in-as">
        Signed in as <strong>{viewer.user.username}</strong>
      </p>
      {typeof children === "function" ? await children(viewer) : children}
      <SignOutButton />
    </section>
  );
}

export interface SignedIn {
  user: User;
  publicId: string | undefined;
}
