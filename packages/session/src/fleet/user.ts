import type { FleetUser } from "./fleet";

/** The session's user if it has the fleet's shape (`id`, `username`); anything else (an older app's data) is nobody. */
export function fleetUserOf(user: unknown): FleetUser | undefined {
  if (typeof user !== "object" || user === null) return undefined;
  const { id, username } = user as Record<string, unknown>;
  return typeof id === "string" && typeof username === "string" ? { id, username } : undefined;
}
