const base = "http://ironlink.invalid";

/**
 * The path to return to after sign-in, if it stays on this site; "/" otherwise. Refuses protocol-relative
 * (`//evil`), backslash (`/\evil`, which browsers read as `//`), scheme (`javascript:`), encoded and
 * whitespace-smuggled variants, by resolving the value the way a browser would and checking the origin.
 */
export function safeNextPath(value: unknown, fallback = "/"): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 2048) return fallback;
  if (!value.startsWith("/") || value.startsWith("//")) return fallback;
  // Browsers treat "\" as "/" and drop tabs and newlines inside URLs; refuse both rather than guess.
  if (/[\\\u0000-\u001f\u007f\s]/.test(value)) return fallback;
  let decoded = value;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return fallback;
  }
  if (decoded.startsWith("//") || /[\\\u0000-\u001f\u007f]/.test(decoded)) return fallback;
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    return fallback;
  }
  if (url.origin !== base) return fallback;
  // Dot segments resolve away ("/.//evil", "/a/..//evil"): what is left must not be protocol-relative either.
  const path = url.pathname + url.search + url.hash;
  return path.startsWith("//") ? fallback : path;
}
