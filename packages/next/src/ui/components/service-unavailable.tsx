/** Shown instead of a page when Redis does not answer: the user is not signed out, we just cannot tell. */
export function ServiceUnavailable() {
  return (
    <section className="card" role="alert">
      <h1>Sign-in is temporarily unavailable</h1>
      <p>We could not reach the session store. Your session is safe; please try again in a moment.</p>
    </section>
  );
}
