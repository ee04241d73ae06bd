// Checks the configuration and the fleet's settings when the server starts, and stops it with what to fix.
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") await (await import("./lib/ironlink")).ironlink.register();
}
