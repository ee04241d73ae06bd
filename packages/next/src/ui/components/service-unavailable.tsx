import { fleetHttp } from "@ironlink/session/fleet";

const { outage } = fleetHttp;

/** Shown instead of a page when Redis does not answer: we cannot tell whether the user is signed in. */
export function ServiceUnavailable() {
  return (
    <section className="card" role="alert">
      <h1>{outage.title}</h1>
      <p>{outage.message}</p>
    </section>
  );
}
