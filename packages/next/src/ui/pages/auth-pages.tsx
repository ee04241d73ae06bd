import Link from "next/link";
import { headers } from "next/headers";
import { notFound, redirect } from "next/navigation";
import { messages } from "../../messages";
import { getCurrentSession, getViewer } from "../../dal";
import { destinationAfterSignIn, otherAppName } from "../../return-to";
import { isSatellite, signInLocation } from "../../sign-in-location";
import { fleetPaths } from "@ironlink/session/fleet";
import { getFleet } from "../../fleet";
import { AuthForm } from "../components/auth-form";
import { ServiceUnavailable } from "../components/service-unavailable";
import type { KitProps } from "../kit-props";

export interface AuthPageProps {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

/**
 * /login: `<LoginPage ironlink={ironlink} submitForm={submitForm} searchParams={searchParams} />`. A signed-in
 * visitor goes straight on to `next`.
 */
export async function LoginPage(props: AuthPageProps & KitProps) {
  return <AuthPage mode="login" {...props} />;
}

/** /register, with the same props as LoginPage. Creating an account signs the person in on every app. */
export async function RegisterPage(props: AuthPageProps & KitProps) {
  return <AuthPage mode="register" {...props} />;
}

async function AuthPage({ mode, searchParams, ironlink: { options }, submitForm }: AuthPageProps & KitProps & { mode: "login" | "register" }) {
  const { registration } = options;
  if (mode === "register" && !registration) notFound();
  const params = await searchParams;
  // On another site than the sign-in app, signing in happens there: this app's own start of it.
  if (isSatellite(options)) redirect(signInLocation(options, fleetPaths.safeNext(params.next)));
  // A return address on another app of the fleet is followed; one outside it is named and refused.
  const { url: next, refused, refusedHost } = getFleet().returnAddress(params.next);
  const challenge = typeof params.challenge === "string" ? params.challenge.slice(0, 64) : undefined;
  const viewer = await getViewer();
  if (viewer.status === "signed-in") redirect(await destinationAfterSignIn(await getCurrentSession(), next, challenge));
  if (viewer.status === "legacy") redirect(`/api/session/migrate?next=${encodeURIComponent(next)}`);
  if (viewer.status === "unavailable") return <ServiceUnavailable />;
  const notice = refused ? messages.returnRefused(refusedHost) : viewer.status === "expired" ? messages.expired : undefined;

  const query = new URLSearchParams({ ...(next === "/" ? {} : { next }), ...(challenge ? { challenge } : {}) }).toString();
  const satellite = next.startsWith("/") || getFleet().sharesSignInCookie(new URL(next).origin) ? undefined : new URL(next);
  return (
    <>
      <AuthForm
        action={submitForm.bind(null, mode === "login" ? "signIn" : "register")}
        mode={mode}
        next={next}
        challenge={challenge}
        notice={notice}
        returnsTo={await otherAppName(next, (await headers()).get("host"))}
        passwordHint={mode === "register" ? getFleet().accounts.newPasswordHint : undefined}
      />
      {satellite && (
        <p className="switch-form">
          <a href={fleetPaths.cancelUrl(satellite)}>Cancel and go back to {satellite.host}</a>
        </p>
      )}
      {registration && (
      <p className="switch-form">
        {mode === "login" ? (
          <>
            No account yet? <Link href={`/register${query && `?${query}`}`}>Create one</Link>
          </>
        ) : (
          <>
            Already have an account? <Link href={`/login${query && `?${query}`}`}>Sign in</Link>
          </>
        )}
      </p>
      )}
    </>
  );
}
