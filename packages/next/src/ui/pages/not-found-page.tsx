import Link from "next/link";

/**
 * The 404 of every app (app/not-found.tsx), in the shared look. Next's default one styles itself with style
 * attributes, which the Content-Security-Policy refuses.
 */
export function NotFoundPage() {
  return (
    <section className="card">
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <Link href="/">Go to the home page</Link>
      </p>
    </section>
  );
}
