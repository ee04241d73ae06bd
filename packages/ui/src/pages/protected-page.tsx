import type { ReactNode } from "react";
import { redirect } from "next/navigation";
import { getViewer } from "@ironlink/auth/dal";
import { ServiceUnavailable } from "../components/service-unavailable";
import { SignOutButton } from "../components/sign-out-button";

/**
 * A protected page: the session is checked here, against Redis, not only in the proxy or a layout.
 * `children` is the app's own content.
 */
export async function ProtectedPage({ path, children }: { path: string; children?: ReactNode }) {
  const viewer = await getViewer();
  if (viewer.status === "unavailable") return <ServiceUnavailable />;
  if (viewer.status === "anonymous") redirect(`/login?next=${encodeURIComponent(path)}`);

  return (
    <section className="card">
      <p className="signed-in-as">
        Signed in as <strong>{viewer.user.username}</strong>
      </p>
      {children}
      <SignOutButton />
    </section>
  );
}
