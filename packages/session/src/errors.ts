/** A session option is missing or unsafe. The message says which one and how to fix it. */
export class SessionConfigError extends Error {
  override readonly name = "SessionConfigError";
  readonly code = "IRONLINK_SESSION_CONFIG";
}

const storeUnavailableCode = "IRONLINK_STORE_UNAVAILABLE";

/**
 * The session store could not be reached or did not answer in time. Apps turn this into a 503:
 * the request is not anonymous, it is unanswerable, and signing the user out would be wrong.
 *
 * `error instanceof SessionStoreUnavailableError` checks the error's `code`, so it holds for an error made by
 * another copy of this module too (Next bundles a module several times, a second install brings its own).
 */
export class SessionStoreUnavailableError extends Error {
  override readonly name = "SessionStoreUnavailableError";
  readonly code = storeUnavailableCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  static override [Symbol.hasInstance](value: unknown): value is SessionStoreUnavailableError {
    return isSessionStoreUnavailable(value);
  }

  /**
   * Runs a call to a store; any failure (a refused connection, a timeout, a disk error) becomes a
   * SessionStoreUnavailableError saying what did not answer and why, so every caller can answer its 503.
   * An error that already is one passes through. For custom stores too: it is the contract's one rule.
   */
  static async wrap<T>(whatFailed: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (cause) {
      if (isSessionStoreUnavailable(cause)) throw cause;
      throw new SessionStoreUnavailableError(`ironlink: ${whatFailed} (${cause instanceof Error ? cause.message : String(cause)}).`, { cause });
    }
  }
}

/** The check behind `instanceof SessionStoreUnavailableError`: the error's code, whichever copy made it. */
export function isSessionStoreUnavailable(error: unknown): error is SessionStoreUnavailableError {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === storeUnavailableCode;
}
