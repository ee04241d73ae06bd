"use client";

/** The app's error boundary (app/error.tsx): a friendly message, never a stack trace. */
export function ErrorPage({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <section className="card" role="alert">
      <h1>Something went wrong</h1>
      <p>Sign-in may be temporarily unavailable. Try again in a moment.</p>
      <button type="button" onClick={reset}>
        Try again
      </button>
    </section>
  );
}
