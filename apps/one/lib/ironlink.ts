import { createIronlink } from "@ironlink/next";

// The fleet's shared settings come from the environment; this app keeps the defaults: the built-in users,
// registration on, sign-in pages here.
export const ironlink = createIronlink();
