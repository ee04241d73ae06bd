/**
 * One value per process, by key: the registry of Ironlink's process-wide resources.
 *
 * Why not a module-level `const`: Next bundles a module into several server bundles (instrumentation, the
 * proxy, the route handlers, the pages and their server actions), each with its own copy of the module's
 * top-level state, and a dev server reloads modules. A resource meant to be one per process (the hashing
 * processes and their queue, a Redis client) would be made once per copy. So it lives on `globalThis` under
 * `Symbol.for(key)`, made by whichever copy asks first and shared by all of them.
 *
 * `key` names the value and the shape of it: change the key (a version suffix, `…v4`) when the shape
 * changes, so a copy of an older build in the same process never reads a value it does not understand.
 * `create` runs once per process for a key, when a copy first asks.
 */
export function processWide<T extends NonNullable<unknown>>(key: string, create: () => T): T {
  const registry = globalThis as { [key: symbol]: T | undefined };
  const symbol = Symbol.for(key);
  registry[symbol] ??= create();
  return registry[symbol];
}
