import { fileFleet } from "./env";
import {
  addPasskeyOnAccount,
  addVirtualAuthenticator,
  type AssertionJSON,
  clientDataOf,
  openAccountFresh,
  passkeyAlert,
  passkeyItems,
  resignedAssertion,
  signInMethods,
  signInWithPasskey,
} from "./factors";
import { expect, expectApiSession, expectSignedInOnPage, fillCredentials, registerViaApi, sessionItems, signedInAs, signInViaUi, signOutViaUi, test, uniqueUser } from "./fixtures";

/**
 * Passkeys on the file-store fleet, on localhost: browsers refuse WebAuthn on an IP address, and the relying
 * party id is LOGIN_URL's host name, `localhost`. Chromium's virtual authenticator (CDP) answers the passkey
 * prompts. A passkey signs in with no username and no password, on every app of the fleet.
 */

const { appOne, appTwo, service } = fileFleet;
const notAccepted = "That passkey was not accepted. Try again, or sign in another way.";
const notRegistered = "This passkey is not registered here. Sign in another way, then add it on your account page.";

test.describe("passkeys", () => {
  test("added on the account page, it signs in with no password on every app; removed, it signs nobody in", async ({ page }) => {
    const authenticator = await addVirtualAuthenticator(page);
    const user = uniqueUser();
    await registerViaApi(user, appOne);
    await signInViaUi(page, appOne, user);

    await openAccountFresh(page, appOne, user);
    await expect(signInMethods(page).getByRole("heading", { name: "Passkeys" })).toBeVisible();
    await expect(passkeyItems(page)).toHaveCount(0);
    await addPasskeyOnAccount(page, appOne, user);
    const item = passkeyItems(page).first();
    await expect(item).toContainText("Added");
    await expect(item).toContainText("Never used");
    await expect(item.getByRole("button", { name: "Remove" })).toBeVisible();
    // A discoverable credential for the sign-in app's host, kept by the authenticator.
    const [credential] = await authenticator.credentials();
    expect(credential).toMatchObject({ rpId: "localhost", isResidentCredential: true });
    await signOutViaUi(page, appOne);

    // The service sends the anonymous visitor to app one's sign-in page, which offers passkeys in the
    // username field's autofill and by its button; no username, no password: back on the service, signed in.
    await page.goto(`${service}/`);
    await expect(page).toHaveURL(`${appOne}/login?next=${encodeURIComponent(`${service}/`)}`);
    await expect(page.getByLabel("Username")).toHaveAttribute("autocomplete", "username webauthn");
    await signInWithPasskey(page);
    await expect(page).toHaveURL(`${service}/`);
    await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
    await expectSignedInOnPage(page, appOne, user.username);
    await expectSignedInOnPage(page, appTwo, user.username);
    for (const app of [appOne, appTwo]) await expectApiSession(page.request, app, user.username);

    await page.goto(`${appOne}/account`);
    await expect(sessionItems(page).filter({ hasText: "(this device)" })).toContainText("Signed in with passkey");
    await expect(passkeyItems(page).first()).toContainText("Last used");

    // Removed (the passkey sign-in is fresh), it is gone from the list; the authenticator still holds the
    // credential, but the server no longer knows it.
    await openAccountFresh(page, appOne, user);
    await passkeyItems(page).first().getByRole("button", { name: "Remove" }).click();
    // (Its "Passkey removed." goes with its item: the list is the answer.)
    await expect(passkeyItems(page)).toHaveCount(0);
    await signOutViaUi(page, appOne);
    expect(await authenticator.credentials()).toHaveLength(1);

    await signInWithPasskey(page);
    await expect(passkeyAlert(page)).toHaveText(notRegistered);
    await expect(page).toHaveURL(`${appOne}/login`);
    await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
    for (const app of [appOne, appTwo]) await expectApiSession(page.request, app, null);
  });

  test("with a passkey, a person may stop using a password: the old password signs nobody in, the passkey does, and the last passkey stays", async ({ page }) => {
    await addVirtualAuthenticator(page);
    const user = uniqueUser();
    await registerViaApi(user, appOne);
    await signInViaUi(page, appOne, user);
    await openAccountFresh(page, appOne, user);
    await addPasskeyOnAccount(page, appOne, user);
    const methods = signInMethods(page);
    await methods.getByRole("button", { name: "Stop using a password" }).click();
    await expect(methods.getByText("You sign in with a passkey; this account has no password.")).toBeVisible();
    await expect(methods.getByRole("heading", { name: "Set a password" })).toBeVisible();
    // Its only way in: the last passkey of a passwordless account is not removed.
    await passkeyItems(page).first().getByRole("button", { name: "Remove" }).click();
    await expect(passkeyItems(page).first().getByRole("alert")).toHaveText(/only way to sign in/);
    await expect(passkeyItems(page)).toHaveCount(1);
    await signOutViaUi(page, appOne);

    await page.goto(`${appOne}/login`);
    await fillCredentials(page, user);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page.locator(".auth-form").getByRole("alert")).toHaveText("Wrong username or password.");
    await signInWithPasskey(page);
    await expect(page).toHaveURL(`${appOne}/`);
    await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
  });

  /**
   * The person's own passkey (its key, its credential id), but used for another relying party: a copy of the
   * credential with rpId "other.localhost" answers in a page on http://other.localhost (a secure context of
   * its own to Chromium, served here by the test). The sign-in page's passkey prompt is handed over to that
   * page, so its assertion reaches the server through the sign-in app's own button. Refused twice: as the
   * browser made it (origin and RP id of the other site), and with the origin rewritten to the sign-in app's
   * and signed again with the credential's key (only the RP id hash is wrong). The same rewriting with the
   * sign-in app's RP id hash signs in: what was refused was the relying party, nothing else.
   */
  test("a passkey for another relying party is refused, even re-signed with the right origin", async ({ page, context }) => {
    const authenticator = await addVirtualAuthenticator(page);
    const user = uniqueUser();
    await registerViaApi(user, appOne);
    await signInViaUi(page, appOne, user);
    await addPasskeyOnAccount(page, appOne, user);
    const [credential] = await authenticator.credentials();
    expect(credential).toBeDefined();
    await signOutViaUi(page, appOne);

    // The other site: its own tab and virtual authenticator, holding the credential under rpId other.localhost.
    const otherOrigin = `http://other.localhost:${fileFleet.appOnePort}`;
    const other = await context.newPage();
    await other.route(`${otherOrigin}/`, (route) => route.fulfill({ contentType: "text/html", body: "<!doctype html><title>Another site</title>" }));
    const otherAuthenticator = await addVirtualAuthenticator(other);
    await otherAuthenticator.cdp.send("WebAuthn.addCredential", {
      authenticatorId: otherAuthenticator.authenticatorId,
      credential: { ...credential!, rpId: "other.localhost", isResidentCredential: true },
    });
    await other.goto(`${otherOrigin}/`);

    /** The assertion the other site's authenticator makes for the sign-in app's challenge. */
    const otherSiteAssertion = (challenge: string) =>
      other.evaluate(async (challenge) => {
        const b64url = (buffer: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
        const bytes = Uint8Array.from(atob(challenge.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
        const made = (await navigator.credentials.get({ publicKey: { challenge: bytes, rpId: "other.localhost", userVerification: "preferred" } })) as PublicKeyCredential;
        const response = made.response as AuthenticatorAssertionResponse;
        return {
          id: made.id,
          rawId: b64url(made.rawId),
          type: "public-key" as const,
          response: {
            authenticatorData: b64url(response.authenticatorData),
            clientDataJSON: b64url(response.clientDataJSON),
            signature: b64url(response.signature),
            ...(response.userHandle ? { userHandle: b64url(response.userHandle) } : {}),
          },
        };
      }, challenge);

    // What each click of "Sign in with a passkey" gets instead of the sign-in page's own prompt, in turn.
    const made: AssertionJSON[] = [];
    const answers: ((assertion: AssertionJSON) => AssertionJSON)[] = [
      (assertion) => assertion,
      (assertion) => resignedAssertion(assertion, credential!.privateKey, { origin: appOne }),
      (assertion) => resignedAssertion(assertion, credential!.privateKey, { origin: appOne, rpId: "localhost" }),
    ];
    await page.exposeFunction("otherSiteAssertion", async (challenge: string) => {
      const assertion = await otherSiteAssertion(challenge);
      made.push(assertion);
      const answer = answers[made.length - 1];
      if (!answer) throw new Error("more passkey prompts than the test expected");
      return answer(assertion);
    });
    await page.addInitScript(() => {
      const bytes = (text: string) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0)).buffer;
      navigator.credentials.get = async (options?: CredentialRequestOptions) => {
        const handOver = (window as unknown as { otherSiteAssertion: (challenge: string) => Promise<AssertionJSON> }).otherSiteAssertion;
        const challenge = new Uint8Array(options!.publicKey!.challenge as ArrayBuffer);
        const assertion = await handOver(btoa(String.fromCharCode(...challenge)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""));
        const { response } = assertion;
        return {
          id: assertion.id,
          rawId: bytes(assertion.rawId),
          type: "public-key",
          authenticatorAttachment: "platform",
          getClientExtensionResults: () => ({}),
          response: {
            authenticatorData: bytes(response.authenticatorData),
            clientDataJSON: bytes(response.clientDataJSON),
            signature: bytes(response.signature),
            userHandle: response.userHandle ? bytes(response.userHandle) : null,
          },
        } as unknown as Credential;
      };
    });

    /** Clicks "Sign in with a passkey" for the `nth` handed-over prompt and waits until the page has the server's answer. */
    const attempt = async (nth: number) => {
      await signInWithPasskey(page);
      await expect.poll(() => made.length).toBe(nth);
      await expect(page.getByRole("button", { name: "Sign in with a passkey" })).toHaveAttribute("aria-busy", "false");
    };

    await page.goto(`${appOne}/login`);
    // As the other site's browser made it: its origin, its RP id.
    await attempt(1);
    await expect(passkeyAlert(page)).toHaveText(notAccepted);
    expect(made[0]!.id, "the person's own credential").toBe(Buffer.from(credential!.credentialId, "base64").toString("base64url"));
    expect(clientDataOf(made[0]!).origin).toBe(otherOrigin);
    await expectApiSession(page.request, appOne, null);

    // The sign-in app's origin, signed again with the key: only the RP id hash (other.localhost's) is wrong.
    await attempt(2);
    await expect(passkeyAlert(page)).toHaveText(notAccepted);
    await expect(page).toHaveURL(`${appOne}/login`);
    for (const app of [appOne, appTwo]) await expectApiSession(page.request, app, null);

    // The same rewriting with localhost's RP id hash: accepted, so the signature and origin were right above.
    await signInWithPasskey(page);
    await expect(page).toHaveURL(`${appOne}/`);
    await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
    expect(made).toHaveLength(3);
  });
});
