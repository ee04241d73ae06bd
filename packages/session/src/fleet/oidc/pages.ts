/**
 * The provider's own pages (oidc-provider's renderError, logoutSource, postLogoutSuccessSource): small and
 * self-contained like the hand-off pages, served with `selfContainedPolicy`. An error names what happened in
 * words and never redirects: an unknown client or an unregistered redirect_uri must not send anyone anywhere.
 */
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

/** What a person reads for each OAuth error an app's sign-in link can meet. */
const errorWords: Record<string, string> = {
  invalid_client: "The app that sent you here is not one this sign-in service knows.",
  invalid_redirect_uri: "The app that sent you here asked to return to an address it has not registered, so you were not sent there.",
  invalid_request: "The app that sent you here made a request this sign-in service cannot accept.",
  session_not_found: "This sign-in took too long or was already finished. Go back to the app and sign in again.",
  server_error: "The sign-in service could not finish this just now. Go back to the app and try again in a moment.",
};

export function errorPage(out: { error: string; error_description?: string }): string {
  const said = errorWords[out.error] ?? "The app that sent you here made a request this sign-in service cannot accept.";
  const detail = out.error_description ? `<p><small>${escapeHtml(out.error)}: ${escapeHtml(out.error_description)}</small></p>` : "";
  return page("Sign-in could not continue", `<p role="alert">${escapeHtml(said)}</p>${detail}<p><a href="/">Home</a></p>`);
}

/** The RP-initiated logout's question; `form` is oidc-provider's hidden form (its action and xsrf value). */
export function logoutPage(form: string, clientName: string | undefined): string {
  const from = clientName ? ` from ${escapeHtml(clientName)}` : "";
  return page(
    "Sign out",
    `<p>You signed out${from}. Sign out of every app of the fleet in this browser too?</p>${form}` +
      '<p><button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button> ' +
      '<button type="submit" form="op.logoutForm">Stay signed in to the other apps</button></p>',
  );
}

export function signedOutPage(): string {
  return page("Signed out", '<p role="status">You are signed out.</p><p><a href="/">Home</a></p>');
}
