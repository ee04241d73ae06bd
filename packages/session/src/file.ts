/**
 * `@ironlink/session/file`: the shared-directory store (SESSION_STORE=file), for several processes on one machine or a shared volume.
 */
export { FileStore } from "./stores/file-store";
