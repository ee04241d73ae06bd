import { fleetHttp } from "@ironlink/session/fleet";

/**
 * What a person reads on the kit's pages and in its answers, beside the account flows' own words (which the
 * fleet's results carry): one place, so pages, actions and API answers agree.
 */
export const messages = {
  /** A form the kit does not have, or a request that is no form. */
  unknownForm: "This form cannot be sent. Reload the page and try again.",
  /** The session store does not answer: the fleet's words, as on the 503 page and in the Express kit. */
  unavailable: fleetHttp.outage.message,
  expired: "Your session expired, please sign in again.",
  signInFirst: "You are not signed in any more: sign in again, then try once more.",
  sessionStoreDown: "Your session cannot be read or saved right now: the session store did not answer. Try again shortly.",
  /** Names the refused host only when the link had one: never the link's own text, which an attacker chose. */
  returnRefused: (host: string | undefined) =>
    `The link you followed would have sent you ${host ? `to ${host}` : "somewhere"} after signing in, which is not one of this fleet's apps. For your safety it will not be followed: you will stay on this app.`,
} as const;
