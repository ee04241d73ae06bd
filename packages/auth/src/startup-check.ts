import { getConfig } from "./config";

try {
  getConfig();
} catch (error) {
  console.error(`\nironlink: configuration error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
