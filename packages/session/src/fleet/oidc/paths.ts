/** Where the provider answers: every endpoint under `/oidc/`, the sign-in step (the interaction) included. */
export const oidcPrefix = "/oidc/";
export const interactionPath = `${oidcPrefix}interaction/`;
