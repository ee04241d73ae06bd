import { getConfig } from "./config";
import { seedDemoAccount } from "./dev-seed";

/** A configuration error stops the server with what to fix; then, in development, the demo account. */
export async function startupCheck(): Promise<void> {
  try {
    getConfig();
  } catch (error) {
    console.error(`\nironlink: configuration error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  await seedDemoAccount();
}
