import { getCurrentSession, readSignInMethods } from "../../dal";
import { ServiceUnavailable } from "../components/service-unavailable";
import { getFleet } from "../../fleet";
import { atSignInApp } from "../../sign-in-location";
import { getConfig } from "../../config";
import { ChangeButton } from "../components/change-button";
import { PasskeyButton } from "../components/passkey-button";
import { PasswordChangeForm } from "../components/password-change-form";
import { PasswordSettings } from "../components/password-settings";
import { StepUpBox } from "../components/step-up-box";
import { TwoStepSetup } from "../components/two-step-setup";
import type { KitProps } from "../kit-props";
import { Time } from "./time";

/**
 * The account page's sign-in methods: passkeys, two-step verification and the password (or none: a person with a
 * passkey may stop using it, and set one again). Changing any of them needs a fresh sign-in (IRONLINK_FRESH_AGE):
 * until then the page asks for a new proof instead of showing them.
 * Only on the sign-in app: passkeys belong to its host.
 */
export async function SignInMethods({ user, ironlink, submitForm }: { user: { id: string } } & KitProps) {
  // With the app's own verifyCredentials, its users are not the fleet's built-in ones: their password, passkeys
  // and codes are managed where their accounts live.
  if (ironlink.options.verifyCredentials) return null;
  const { accounts } = getFleet();
  const methods = await readSignInMethods(user.id);
  if (!methods) return <ServiceUnavailable />;
  const noPasswordNote = !methods.hasPassword && <p>You sign in with a passkey; this account has no password.</p>;
  if (!(await atSignInApp())) {
    // A first password needs a fresh session, and only the sign-in app can ask for a passkey to confirm it: a
    // passwordless person sets one there.
    return (
      <section aria-labelledby="sign-in-methods">
        <h2 id="sign-in-methods">Sign-in methods</h2>
        <p>
          Passkeys and two-step verification are managed on <a href={`${getConfig().loginUrl}/account`}>the sign-in app's account page</a>.
        </p>
        <h3>Password</h3>
        {noPasswordNote}
        {methods.hasPassword && <PasswordChangeForm action={submitForm.bind(null, "changePassword")} newPasswordHint={accounts.newPasswordHint} />}
      </section>
    );
  }
  const fresh = accounts.stepUp.isFresh(await getCurrentSession());
  return (
    <section aria-labelledby="sign-in-methods" className="sign-in-methods">
      <h2 id="sign-in-methods">Sign-in methods</h2>
      {!fresh && (
        <StepUpBox
          confirm={submitForm.bind(null, "confirmIdentity")}
          passkeyOptions={submitForm.bind(null, "passkeyOptions")}
          withPassword={methods.hasPassword}
          withPasskey={methods.passkeys.length > 0}
          withCode={methods.twoStep}
        />
      )}
      <h3>Passkeys</h3>
      {methods.passkeys.length === 0 && <p>No passkeys yet. A passkey signs you in with your fingerprint, face or device PIN, no password needed.</p>}
      <ul className="passkey-list" aria-label="Passkeys">
        {methods.passkeys.map((passkey) => (
          <li key={passkey.id} className="session-item">
            <div>
              <strong>{passkey.name}</strong>
              <br />
              <small>
                Added <Time at={passkey.createdAt} /> · {passkey.lastUsedAt ? <>Last used <Time at={passkey.lastUsedAt} /></> : "Never used"}
              </small>
            </div>
            {fresh && <ChangeButton action={submitForm.bind(null, "removePasskey")} label="Remove" fields={{ id: passkey.id }} />}
          </li>
        ))}
      </ul>
      {fresh && <PasskeyButton purpose="add" label="Add a passkey" options={submitForm.bind(null, "passkeyOptions")} finish={submitForm.bind(null, "addPasskey")} />}
      <h3>Two-step verification</h3>
      {methods.twoStep ? (
        <>
          <p>Two-step verification is on.</p>
          <p>
            {methods.recoveryCodesLeft} recovery {methods.recoveryCodesLeft === 1 ? "code" : "codes"} left
          </p>
        </>
      ) : (
        <p>Two-step verification is off. With it on, signing in with your password also asks for a code from an authenticator app.</p>
      )}
      {/* In one place whether on or off, so turning it on keeps the recovery codes it shows. */}
      {fresh && <TwoStepSetup on={methods.twoStep} start={submitForm.bind(null, "startTwoStep")} confirm={submitForm.bind(null, "confirmTwoStep")} />}
      {fresh && methods.twoStep && <ChangeButton action={submitForm.bind(null, "turnOffTwoStep")} label="Turn off two-step verification" />}
      {fresh && methods.twoStep && <ChangeButton action={submitForm.bind(null, "renewRecoveryCodes")} label="New recovery codes" />}
      <h3>Password</h3>
      {noPasswordNote}
      {fresh && (
        <PasswordSettings
          hasPassword={methods.hasPassword}
          hasPasskey={methods.passkeys.length > 0}
          removePassword={submitForm.bind(null, "removePassword")}
          changePassword={submitForm.bind(null, "changePassword")}
          newPasswordHint={accounts.newPasswordHint}
        />
      )}
    </section>
  );
}
