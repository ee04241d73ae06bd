import { sealIron, unsealIron } from "../iron-seal";
import { normalizePasswords } from "../options";
import { type FleetConfig, prefixedCookieName } from "./config";

/**
 * The settings every app of a fleet must agree on, by the variable that sets them. An app whose value
 * differs from the fleet's would silently sign people out (a shorter idle timeout deletes sessions the
 * others consider alive; another cookie name or key prefix sees nobody signed in), so it refuses to start.
 * APP_ORIGINS is left out on purpose: adding an app means updating the lists one app at a time.
 */
const sharedSettings = {
  SESSION_COOKIE_NAME: (config) => config.cookieName,
  COOKIE_DOMAIN: (config) => config.cookieDomain ?? "(unset)",
  COOKIE_SECURE: (config) => String(config.cookieSecure),
  SESSION_TTL: (config) => String(config.ttl),
  SESSION_IDLE_TIMEOUT: (config) => String(config.idleTimeout),
  SESSION_ABSOLUTE_TIMEOUT: (config) => String(config.absoluteTimeout),
  SESSION_KEY_PREFIX: (config) => config.keyPrefix,
} satisfies Record<string, (config: FleetConfig) => string>;

type SharedSettings = Record<keyof typeof sharedSettings, string>;

/** What the store keeps under the fleet's name: the shared settings, and a seal only the fleet's password opens. */
export interface FleetRecord {
  settings: SharedSettings;
  /** Sealed with SESSION_PASSWORD: an app that cannot open it has another password (rotation maps still open it). */
  passwordProbe: string;
  recordedBy: string;
  recordedAt: string;
}

/** Where the record lives: a Redis key or a file beside the sessions. `create` writes only if there is none. */
export interface FleetRecordStore {
  read(): Promise<string | null>;
  create(value: string): Promise<boolean>;
  replace(value: string): Promise<void>;
}

/** An app's settings differ from the fleet's: the message names the setting, both values and what to do. */
export class FleetMismatchError extends Error {
  override readonly name = "FleetMismatchError";
  readonly code = "IRONLINK_FLEET_MISMATCH";
}

const probeContent = "ironlink fleet password probe";

/**
 * Compares this app's settings with the fleet's record, writing the record if this is the fleet's first app.
 * With `adopt` (IRONLINK_FLEET_ADOPT=true), this app's settings replace the record: how a fleet changes a
 * setting. Adopting never changes the password: the app must open the record's probe first (a rotation map
 * that still holds the fleet's password does), or every session of the fleet would stop opening. A record
 * that is there but cannot be read is never replaced silently: someone must look at it.
 */
export async function checkFleetRecord(
  config: FleetConfig,
  records: FleetRecordStore,
  { appName, adopt }: { appName: string; adopt: boolean },
): Promise<FleetChoice | undefined> {
  const raw = await records.read();
  if (raw === null && (await records.create(JSON.stringify(recordFor(config, appName))))) return;
  const fleet = parseRecord(raw ?? (await records.read()), config);
  if (!opensProbe(fleet.passwordProbe, config)) {
    throw new FleetMismatchError(
      `ironlink: this app's SESSION_PASSWORD cannot open the seals of the fleet "${config.fleetName}" (recorded by ${fleet.recordedBy}). Every app of a fleet must share it; to rotate, give every app the map {"1":"old…","2":"new…"}.`,
    );
  }
  if (adopt) {
    await records.replace(JSON.stringify(recordFor(config, appName)));
    return;
  }
  const choice = fleetChoice(config, fleet);
  const mine = recordFor({ ...config, ...choice?.settings }, appName);
  const differences = (Object.keys(sharedSettings) as (keyof SharedSettings)[]).filter((name) => fleet.settings[name] !== mine.settings[name]);
  if (differences.length > 0) throw new FleetMismatchError(describeDifferences(config, fleet, mine, differences));
  return choice;
}

/** Settings this app left to the fleet, taken from its record, and the log line that says so. */
export interface FleetChoice {
  settings: Pick<FleetConfig, "cookieSecure" | "cookieName">;
  message: string;
}

/**
 * What the fleet decides for an app that did not choose. Only COOKIE_SECURE: its default follows NODE_ENV,
 * an accident of how the app was started (`node server.js`), where every other default is the same for
 * every app. Only towards Secure: a production app (Secure by default) is never made to send its cookie
 * over plain HTTP because the fleet does; that still refuses to start. The cookie's name follows (`__Host-`).
 */
function fleetChoice(config: FleetConfig, fleet: FleetRecord): FleetChoice | undefined {
  if (!config.cookieSecureDefaulted || config.cookieSecure || fleet.settings.COOKIE_SECURE !== "true") return undefined;
  return {
    settings: { cookieSecure: true, cookieName: prefixedCookieName(config.cookieName, true, config.cookieDomain) },
    message: `ironlink: COOKIE_SECURE is not set for this app (and NODE_ENV is not "production"), so it takes the fleet "${config.fleetName}"'s recorded true (recorded by ${fleet.recordedBy}): the session cookie is Secure. Set COOKIE_SECURE to choose.`,
  };
}

function recordFor(config: FleetConfig, appName: string): FleetRecord {
  const settings = Object.fromEntries(Object.entries(sharedSettings).map(([name, read]) => [name, read(config)])) as SharedSettings;
  // Sealed as the fleet seals its sessions (the highest id of the map), with no expiry (ttl 0): the probe must
  // still open when the fleet's last app restarts months later.
  const passwordProbe = sealIron({ probe: probeContent }, normalizePasswords(config.password), 0);
  return { settings, passwordProbe, recordedBy: appName, recordedAt: new Date().toISOString() };
}

function opensProbe(probe: string, config: FleetConfig): boolean {
  try {
    const opened = unsealIron(probe, normalizePasswords(config.password)) as { probe?: string };
    return opened.probe === probeContent;
  } catch {
    return false;
  }
}

function describeDifferences(config: FleetConfig, fleet: FleetRecord, mine: FleetRecord, names: (keyof SharedSettings)[]): string {
  const lines = names.map((name) => `  ${name}: this app has ${mine.settings[name]}, the fleet has ${fleet.settings[name]}`);
  return [
    `ironlink: this app's settings differ from the fleet "${config.fleetName}" (recorded by ${fleet.recordedBy} at ${fleet.recordedAt}):`,
    ...lines,
    "Every app of a fleet must share these, or people are signed out early or not seen as signed in.",
    "Set the fleet's values here; or, to change them for the whole fleet, set the new values on every app and start one of them once with IRONLINK_FLEET_ADOPT=true.",
  ].join("\n");
}

/** The record as stored; one that is there but unreadable stops the app (it is never overwritten unseen). */
function parseRecord(raw: string | null, config: FleetConfig): FleetRecord {
  try {
    const record = JSON.parse(raw ?? "null") as Partial<FleetRecord> | null;
    if (typeof record?.settings === "object" && record.settings !== null && typeof record.passwordProbe === "string") return record as FleetRecord;
  } catch {
    // reported below
  }
  throw new FleetMismatchError(
    `ironlink: the fleet "${config.fleetName}"'s settings record in the store cannot be read (${raw === null ? "it vanished while this app started" : "it is not the JSON ironlink writes"}). Nothing was changed. Look at it (Redis key ironlink:fleet:${config.fleetName}, or fleet-${config.fleetName}.json in the session directory), then delete it if it is not needed: the next app to start records the fleet again.`,
  );
}
