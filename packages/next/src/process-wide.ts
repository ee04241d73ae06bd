// The one registry of process-wide resources is @ironlink/session's (session/src/process-wide.ts), shared
// by both packages; here under the kit's own path for its modules.
export { processWide } from "@ironlink/session/fleet";
