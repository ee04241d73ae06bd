import Link from "next/link";
import { headers } from "next/headers";
import { notFound, redirect } from "next/navigation";
import { messages } from "../../messages";
import { getCurrentSession, getViewer, readSignInMethods } from "../../dal";
import { destinationAfterSignIn, otherAppName } from "../../return-to";
import { atSignInApp, isSatellite, signInLocation } from "../../sign-in-location";
import { authMethods, fleetPaths } from "@ironlink/session/fleet";
import { getFleet } from "../../fleet";
import { AuthForm } from "../components/auth-form";
import { PasskeyButton } from "../components/passkey-button";
import { StepUpBox } from "../components/step-up-box";
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
  if (viewer.status === "signed-in") {
    // A page that asks for two factors (requireUser({ factors: 2 })) sent a person signed in with one.
    const session = await getCurrentSession();
    if (mode === "login" && params.factors === "2" && authMethods.factorCount(session.amr) < 2) {
      return <SecondFactorPrompt userId={viewer.user.id} next={next} submitForm={submitForm} />;
    }
    redirect(await destinationAfterSignIn(session, next, challenge));
  }
  if (viewer.status === "legacy") redirect(`/api/session/migrate?next=${encodeURIComponent(next)}`);
  if (viewer.status === "unavailable") return <ServiceUnavailable />;
  const notice = refused ? messages.returnRefused(refusedHost) : viewer.status === "expired" ? messages.expired : undefined;

  const query = new URLSearchParams({ ...(next === "/" ? {} : { next }), ...(challenge ? { challenge } : {}) }).toString();
  const satellite = next.startsWith("/") || getFleet().sharesSignInCookie(new URL(next).origin) ? undefined : new URL(next);
  // Passkeys belong to the sign-in app's host and to the fleet's built-in users (not an app's own verifyCredentials).
  const withPasskeys = mode === "login" && !options.verifyCredentials && (await atSignInApp());
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
        codeAction={mode === "login" ? submitForm.bind(null, "signInCode") : undefined}
        secondStep={mode === "login" && getFleet().accounts.twoStep.isPending(await getCurrentSession())}
      />
      {withPasskeys && (
        <div className="card passkey-sign-in">
          <PasskeyButton
            purpose="sign-in"
            label="Sign in with a passkey"
            className="secondary"
            options={submitForm.bind(null, "passkeyOptions")}
            finish={submitForm.bind(null, "passkeySignIn")}
            fields={{ next, ...(challenge ? { challenge } : {}) }}
          />
        </div>
      )}
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

/** A signed-in person a page asked two factors of: a code or a passkey adds the second, then on to `next`. */
async function SecondFactorPrompt({ userId, next, submitForm }: { userId: string; next: string; submitForm: KitProps["submitForm"] }) {
  const methods = await readSignInMethods(userId);
  if (!methods) return <ServiceUnavailable />;
  if (!methods.twoStep && methods.passkeys.length === 0) {
    return (
      <section className="card">
        <h1>Two-step verification needed</h1>
        <p>
          The page you opened asks for a sign-in with two steps. Turn on two-step verification or add a passkey on <Link href="/account">your account page</Link>, then
          open it again.
        </p>
      </section>
    );
  }
  return (
    <section className="card">
      <h1>One more step</h1>
      <StepUpBox
        confirm={submitForm.bind(null, "confirmIdentity")}
        passkeyOptions={submitForm.bind(null, "passkeyOptions")}
        withPassword={false}
        withPasskey={methods.passkeys.length > 0}
        withCode={methods.twoStep}
        next={next}
      />
    </section>
  );
}
