import { createIronlink } from "@ironlink/next";
import type { Preferences } from "./preferences";

// The fleet's shared settings come from the environment. This app keeps the defaults (the built-in users,
// registration on, sign-in pages here) and says where it lives: on another site than LOGIN_URL, sign-in
// happens there and comes back with a one-time code. <Preferences> types the session field it reads, `theme`.
export const ironlink = createIronlink<Preferences>({ publicUrl: process.env.APP_ONE_URL ?? "http://127.0.0.1:5000" });
