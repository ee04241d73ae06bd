const when = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

/** A moment as one unbreakable phrase ("7 Dec 2026, 15:48 UTC"), machine-readable too. */
export function Time({ at }: { at: number }) {
  return (
    <time className="when" dateTime={new Date(at).toISOString()}>
      {when.format(at)} UTC
    </time>
  );
}
