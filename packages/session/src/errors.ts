/** A session option is missing or unsafe. The message says which one and how to fix it. */
export class SessionConfigError extends Error {
  override readonly name = "SessionConfigError";
  readonly code = "IRONLINK_SESSION_CONFIG";
}

/**
 * The session store could not be reached or did not answer in time. Apps turn this into a 503:
 * the request is not anonymous, it is unanswerable, and signing the user out would be wrong.
 */
export class SessionStoreUnavailableError extends Error {
  override readonly name = "SessionStoreUnavailableError";
  readonly code = "IRONLINK_STORE_UNAVAILABLE";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function isSessionStoreUnavailable(error: unknown): error is SessionStoreUnavailableError {
  return error instanceof SessionStoreUnavailableError ||
    (typeof error === "object" && error !== null && (error as { code?: unknown }).code === "IRONLINK_STORE_UNAVAILABLE");
}

/**
 * Runs a call to a store; any failure (a refused connection, a timeout, a disk error) becomes a
 * SessionStoreUnavailableError saying what did not answer and why, so every caller can answer its 503.
 * An error that already is one passes through. For custom stores too: it is the contract's one rule.
 */
export async function callStore<T>(whatFailed: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    if (isSessionStoreUnavailable(cause)) throw cause;
    throw new SessionStoreUnavailableError(`ironlink: ${whatFailed} (${cause instanceof Error ? cause.message : String(cause)}).`, { cause });
  }
}
