import Link from "next/link";
import { notFound, redirect } from "next/navigation";
import { messages } from "../../messages";
import { getViewer } from "../../dal";
import { getConfig } from "../../config";
import { ironlinkOptions } from "../../options";
import { safeReturnAddress } from "../../safe-next-path";
import { newPasswordHint } from "../../validation";
import { AuthForm } from "../components/auth-form";
import { ServiceUnavailable } from "../components/service-unavailable";

export interface AuthPageProps {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

/** /login. A signed-in visitor goes straight on to `next`. */
export async function LoginPage({ searchParams }: AuthPageProps) {
  return <AuthPage mode="login" searchParams={searchParams} />;
}

/** /register. Creating an account signs the person in on every app. */
export async function RegisterPage({ searchParams }: AuthPageProps) {
  return <AuthPage mode="register" searchParams={searchParams} />;
}

async function AuthPage({ mode, searchParams }: AuthPageProps & { mode: "login" | "register" }) {
  const { registration } = ironlinkOptions();
  if (mode === "register" && !registration) notFound();
  // A return address on another app of the fleet is followed; one outside it is named and refused.
  const { url: next, refusedHost } = safeReturnAddress((await searchParams).next, getConfig().appOrigins);
  const viewer = await getViewer();
  if (viewer.status === "signed-in") redirect(next);
  if (viewer.status === "legacy") redirect(`/api/session/migrate?next=${encodeURIComponent(next)}`);
  if (viewer.status === "unavailable") return <ServiceUnavailable />;
  const notice = refusedHost !== undefined ? messages.returnRefused(refusedHost) : viewer.status === "expired" ? messages.expired : undefined;

  const query = next === "/" ? "" : `?next=${encodeURIComponent(next)}`;
  return (
    <>
      <AuthForm mode={mode} next={next} notice={notice} passwordHint={mode === "register" ? newPasswordHint : undefined} />
      {registration && (
      <p className="switch-form">
        {mode === "login" ? (
          <>
            No account yet? <Link href={`/register${query}`}>Create one</Link>
          </>
        ) : (
          <>
            Already have an account? <Link href={`/login${query}`}>Sign in</Link>
          </>
        )}
      </p>
      )}
    </>
  );
}
