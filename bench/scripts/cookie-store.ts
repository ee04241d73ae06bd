import type { cookieStoreWithHeader } from "@ironlink/session";

/** Next's `cookies()` shape, which getIronSession takes (and cookieStoreWithHeader wraps). */
type CookieStore = Parameters<typeof cookieStoreWithHeader>[0];

/** The shape of Next's `await cookies()`, in memory: what the library sees in a route handler. */
export class MemoryCookies implements CookieStore {
  readonly values = new Map<string, string>();

  constructor(cookies: Record<string, string> = {}) {
    for (const [name, value] of Object.entries(cookies)) this.values.set(name, value);
  }

  get(name: string): { name: string; value: string } | undefined {
    const value = this.values.get(name);
    return value === undefined ? undefined : { name, value };
  }

  set(name: string, value: string): void {
    this.values.set(name, value);
  }

  getAll(): Array<{ name: string; value: string }> {
    return [...this.values].map(([name, value]) => ({ name, value }));
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  delete(name: string): void {
    this.values.delete(name);
  }
}
