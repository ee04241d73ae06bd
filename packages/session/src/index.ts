/**
 * `@ironlink/session`: the public API, and nothing that needs a Redis client or the file system. The stores
 * are subpath entries (`@ironlink/session/redis`, `@ironlink/session/file`), so an app imports only the one
 * it runs and ioredis stays an optional peer. Internals (option normalising, seals, key derivation) are
 * deliberately not exported: the package's own tests import them from their modules.
 */
export {
  createSessionManager,
  getIronSession,
  getSession,
  type IronSession,
  type ListedSession,
  regenerateSession,
  type Session,
  type SessionInfo,
  type SessionManager,
  type SessionState,
  sessionInfo,
  type SignInTicket,
} from "./core";
export { sealData, unsealData } from "./seal";
export {
  type CookieJar,
  type CookieStore,
  cookieStoreWithHeader,
  type NextProxyRequest,
  type NextProxyResponse,
  nextProxyCookies,
  nodeCookies,
  webCookies,
} from "./cookies";
export { callStore, SessionConfigError, SessionStoreUnavailableError, isSessionStoreUnavailable } from "./errors";
export type { CookieOptions, Password, SessionConfigUpdate, SessionOptions, UnsealErrorReason } from "./options";
export type { SessionStore, StoreWrite, WriteResult } from "./stores/session-store";
