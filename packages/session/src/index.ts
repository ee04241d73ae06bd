/**
 * `@ironlink/session`: the public API, and nothing that needs a Redis client or the file system. The stores
 * are subpath entries (`@ironlink/session/redis`, `@ironlink/session/file`), so an app imports only the one
 * it runs and ioredis stays an optional peer. iron-session's names (getIronSession, sealData, unsealData,
 * IronSession, SessionOptions, the cookie jars), the manager and the store's interface; the types of their
 * parts hang off them (`SessionStore.Write`, `SessionManager.SignInTicket`) or are derived
 * (`SessionOptions["password"]`). Internals (option normalising, seals, key derivation) are deliberately not
 * exported: the package's own tests import them from their modules.
 */
export {
  createSessionManager,
  getIronSession,
  type IronSession,
  regenerateSession,
  type SessionManager,
  sessionInfo,
} from "./core";
export { sealData, unsealData } from "./seal";
export { type CookieJar, cookieStoreWithHeader, nextProxyCookies, nodeCookies, webCookies } from "./cookies";
export { SessionStoreUnavailableError } from "./errors";
export type { SessionOptions } from "./options";
export type { SessionStore } from "./stores/session-store";
