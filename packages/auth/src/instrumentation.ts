/**
 * Next.js calls register() once when a server starts (instrumentation.ts). The configuration is checked
 * there, so a missing or short SESSION_PASSWORD stops the server with a clear message instead of
 * failing every request.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startupCheck } = await import("./startup-check");
  await startupCheck();
}
