import { getConfig } from "./config";
import { getStorage } from "./storage";
import { UserStore } from "./users";

/**
 * Development only: `npm run dev` passes IRONLINK_DEMO_USER and IRONLINK_DEMO_PASSWORD and prints them, so
 * a fresh checkout has an account to sign in with. Both apps try; the store lets only the first create it.
 */
export async function seedDemoAccount(): Promise<void> {
  const demo = getConfig().demoAccount;
  if (!demo) return;
  const { username, password } = demo;
  try {
    await new UserStore(getStorage().users).create(username, password);
  } catch (error) {
    console.error(`ironlink: could not create the demo account (${error instanceof Error ? error.message : String(error)}).`);
  }
}
