import { storeOutage } from "@ironlink/session/fleet";

/** Shown instead of a page when Redis does not answer: we cannot tell whether the user is signed in. */
export function ServiceUnavailable() {
  return (
    <section className="card" role="alert">
      <h1>{storeOutage.title}</h1>
      <p>{storeOutage.message}</p>
    </section>
  );
}
