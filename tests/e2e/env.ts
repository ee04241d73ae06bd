/**
 * Ports and origins of the private test fleet, shared by playwright.config.ts (which starts it) and the
 * tests (which talk to it). No Playwright imports here, so the config can load it without side effects.
 *
 * The defaults stay clear of `npm run dev` (Redis 6379, apps 5000 and 7000), so both can run at once.
 * The apps of one fleet always share one host name: cookies are host-only, so a fleet on 127.0.0.1 and
 * localhost at once would be two fleets to the browser. The fleets are on 127.0.0.1, except the file-store
 * fleet, on localhost: browsers refuse WebAuthn (passkeys) on an IP address, and http://localhost is a
 * secure context. The servers listen on every address (`::`, IPv4 too), so localhost reaches them as
 * 127.0.0.1 or ::1 alike.
 */
function port(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`${name} must be a TCP port number (got "${raw}").`);
  return value;
}

export const ports = {
  redis: port("E2E_REDIS_PORT", 6479),
  appOne: port("E2E_APP_ONE_PORT", 5100),
  appTwo: port("E2E_APP_TWO_PORT", 7100),
  service: port("E2E_SERVICE_PORT", 9100),
  /** The apps docs/adding-an-app.md makes outside the workspace (outside-apps.spec.ts). */
  outsideNext: port("E2E_OUTSIDE_NEXT_PORT", 5400),
  outsideService: port("E2E_OUTSIDE_SERVICE_PORT", 9400),
  /** apps/django, an OpenID Connect client of app one (oidc-django.spec.ts). Chromium refuses some ports (6000, …). */
  django: port("E2E_DJANGO_PORT", 8100),
  /** The idle-timeout fleet of oidc-django-timeout.spec.ts: its own Redis, an app one and a Django (see timeoutFleet). */
  timeoutRedis: port("E2E_TIMEOUT_REDIS_PORT", 6480),
  timeoutAppOne: port("E2E_TIMEOUT_APP_ONE_PORT", 5102),
  timeoutDjango: port("E2E_TIMEOUT_DJANGO_PORT", 8101),
} as const;

export const outsideApps = {
  next: `http://127.0.0.1:${ports.outsideNext}`,
  service: `http://127.0.0.1:${ports.outsideService}`,
} as const;

/**
 * A second fleet for the "file-store" project: the same two apps and the Express service sharing one session
 * directory (SESSION_STORE=file) instead of Redis. On localhost, not 127.0.0.1: the passkey specs need a host
 * name WebAuthn accepts (the relying party id is LOGIN_URL's host, `localhost`). Its sign-ins stay fresh for
 * sensitive changes for `freshAgeSeconds` only (IRONLINK_FRESH_AGE), so step-up.spec.ts waits seconds, not
 * the default ten minutes.
 */
export const fileFleet = {
  host: "localhost",
  appOnePort: port("E2E_FILE_APP_ONE_PORT", 5101),
  appTwoPort: port("E2E_FILE_APP_TWO_PORT", 7101),
  servicePort: port("E2E_FILE_SERVICE_PORT", 9101),
  freshAgeSeconds: 20,
  get appOne() {
    return `http://${this.host}:${this.appOnePort}`;
  },
  get appTwo() {
    return `http://${this.host}:${this.appTwoPort}`;
  },
  get service() {
    return `http://${this.host}:${this.servicePort}`;
  },
} as const;

/**
 * A third fleet for the "oidc-timeout" project: an app one with the shortest idle timeout the apps accept
 * (SESSION_IDLE_TIMEOUT=60), on a Redis of its own, and a Django signed in through it. Only app one runs:
 * APP_TWO_URL names a port nothing listens on.
 */
export const timeoutFleet = {
  idleSeconds: 60,
  redisUrl: `redis://127.0.0.1:${ports.timeoutRedis}`,
  appOne: `http://127.0.0.1:${ports.timeoutAppOne}`,
  /** In APP_ORIGINS only (the fleet's second origin); nothing serves it. */
  appTwoPort: port("E2E_TIMEOUT_APP_TWO_PORT", 7102),
  django: `http://127.0.0.1:${ports.timeoutDjango}`,
} as const;

export const appOne = `http://127.0.0.1:${ports.appOne}`;
export const appTwo = `http://127.0.0.1:${ports.appTwo}`;
/** The fleet's Express app (apps/service), on @ironlink/express. */
export const service = `http://127.0.0.1:${ports.service}`;
export const redisUrl = `redis://127.0.0.1:${ports.redis}`;
/** apps/django (Django + Authlib), signed in through app one's OpenID Provider. */
export const django = `http://127.0.0.1:${ports.django}`;
/** Its client id at the provider (DJANGO_OIDC_CLIENT_ID's default). */
export const djangoClientId = "django";

/**
 * The Chromium switch of the "cross-site" project: every `.test` name goes to 127.0.0.1 (ports are kept), so
 * fleets on host names (cross-site-fleet.ts) need no DNS and their servers resolve nothing.
 */
export const hostResolverRules = "--host-resolver-rules=MAP *.test 127.0.0.1";

/**
 * The Chromium switch of the "file-store" project: localhost always to 127.0.0.1. Chromium resolves localhost
 * by itself and tries ::1 first, while Node (Playwright's readiness check) follows /etc/hosts; the servers
 * listen on both, but with this every client reaches the fleet by the same IPv4 address as the other fleets.
 */
export const localhostResolverRules = "--host-resolver-rules=MAP localhost 127.0.0.1";

/** The apps' default cookie name; the config pins it so a developer's environment cannot change it. */
export const cookieBaseName = "ironlink_session";
/** What the apps call it under `next start`: the cookie is Secure and host-only, so it gets the `__Host-` prefix. */
export const sessionCookieName = `__Host-${cookieBaseName}`;

/**
 * Session passwords of the test fleet, a rotation map `{ 1: old, 2: new }`: the apps seal with 2 and open
 * both, so tests can make seals "from before the rotation" with `{ 1: oldSessionPassword }` alone.
 * Throwaway secrets for the private test fleet only.
 */
export const oldSessionPassword = "ironlink-e2e-only-OLD-session-password-0123456789";
export const newSessionPassword = "ironlink-e2e-only-NEW-session-password-9876543210";
export const sessionPasswords: Record<string, string> = { 1: oldSessionPassword, 2: newSessionPassword };

/** Where the apps keep a session (`<prefix><storeKey>`) and each user's index (`<prefix>user:<userId>`). */
export const sessionKeyPrefix = "ironlink:session:";

export interface Fleet {
  redisUrl: string;
  /** The host name of every app of the fleet (one for all: cookies are host-only); 127.0.0.1 unless told. */
  host?: string;
  appOnePort: number;
  appTwoPort: number;
  /** The Express service's port, when the fleet has one: its origin joins APP_ORIGINS. */
  servicePort?: number;
}

/**
 * The environment of both apps of a fleet (the config's, or a spec's private one): a Redis, two ports, and
 * everything else pinned, so a developer's shell cannot change what the tests expect.
 */
export function appEnvironment({ redisUrl, host = "127.0.0.1", appOnePort, appTwoPort, servicePort }: Fleet): Record<string, string> {
  const one = `http://${host}:${appOnePort}`;
  const two = `http://${host}:${appTwoPort}`;
  const serviceUrl = servicePort === undefined ? undefined : `http://${host}:${servicePort}`;
  return {
    REDIS_URL: redisUrl,
    // A rotation map (fixed secrets for the throwaway fleet; both apps must share it): the apps seal with
    // id 2 and still open seals made with id 1, which the rotation tests make themselves.
    SESSION_PASSWORD: JSON.stringify(sessionPasswords),
    APP_ONE_PORT: String(appOnePort),
    APP_TWO_PORT: String(appTwoPort),
    // App one first: it is the fleet's sign-in page (LOGIN_URL defaults to the first origin).
    // The outside apps of outside-apps.spec.ts too: app one sends people back to them after sign-in.
    APP_ORIGINS: [one, two, ...(serviceUrl ? [serviceUrl] : []), outsideApps.next, outsideApps.service].join(","),
    APP_ONE_URL: one,
    APP_TWO_URL: two,
    ...(serviceUrl ? { SERVICE_PORT: String(servicePort), SERVICE_URL: serviceUrl } : {}),
    LOGIN_URL: "",
    IRONLINK_FLEET: "",
    IRONLINK_FLEET_ADOPT: "",
    SESSION_KEY_PREFIX: "",
    NEXT_TELEMETRY_DISABLED: "1",
    // "" means the app default: host-only cookie, Secure under `next start`, 30-minute idle and 12-hour
    // absolute timeouts, a cookie that lives as long as the absolute timeout, 5 failed sign-ins per
    // username and address in 15 minutes (20 per username before it slows down), 20 sign-ins of any
    // outcome per username and address (60 per username before it slows down), no trusted proxy (the
    // socket's address is the client's), and migration of stateless iron-session cookies on.
    SESSION_COOKIE_NAME: cookieBaseName,
    COOKIE_DOMAIN: "",
    COOKIE_SECURE: "",
    SESSION_TTL: "",
    SESSION_IDLE_TIMEOUT: "",
    SESSION_ABSOLUTE_TIMEOUT: "",
    RATE_LIMIT_PER_USERNAME: "",
    RATE_LIMIT_PER_USERNAME_AND_ADDRESS: "",
    RATE_LIMIT_SIGN_INS_PER_USERNAME_AND_ADDRESS: "",
    RATE_LIMIT_SIGN_INS_PER_USERNAME: "",
    TRUSTED_PROXIES: "",
    CLIENT_IPV6_PREFIX: "",
    RATE_LIMIT_WINDOW: "",
    MIGRATE_IRON_SESSION_COOKIES: "",
    // Sensitive changes (password, passkeys, two-step verification) without a new proof for 10 minutes after
    // a sign-in, the default; the file-store fleet sets its own (fileFleet.freshAgeSeconds).
    IRONLINK_FRESH_AGE: "",
    // 50 live sessions per user, the default (session-limits.spec.ts runs a fleet of its own with fewer).
    SESSION_MAX_PER_USER: "",
    // Every test signs in from 127.0.0.1, and many try wrong passwords on purpose, in parallel: the
    // per-address limits (20 failures, 10 registrations) would trip across unrelated tests; the limit per
    // username and address stays 5. client-address.spec.ts runs apps of its own with the defaults.
    RATE_LIMIT_PER_ADDRESS: "1000",
    RATE_LIMIT_REGISTRATIONS_PER_ADDRESS: "100000",
    // Redis, one node: SESSION_STORE=file, or a Cluster or Sentinel setting in the developer's shell,
    // would win over REDIS_URL.
    SESSION_STORE: "",
    SESSION_FILE_PATH: "",
    REDIS_CLUSTER_NODES: "",
    REDIS_SENTINELS: "",
    REDIS_SENTINEL_NAME: "",
    // No OpenID Provider unless the config gives app one its clients (oidcProviderEnvironment).
    IRONLINK_OIDC_CLIENTS: "",
    IRONLINK_OIDC_JWKS: "",
  };
}

/**
 * What the provider (the fleet's sign-in app) adds to its environment to serve one Django client at
 * `djangoOrigin`: the client (README of apps/django, "Joining the fleet") and the private signing keys.
 */
export function oidcProviderEnvironment({ djangoOrigin, clientSecret, jwks }: { djangoOrigin: string; clientSecret: string; jwks: string }): Record<string, string> {
  const client = {
    client_id: djangoClientId,
    client_secret: clientSecret,
    redirect_uris: [`${djangoOrigin}/oidc/callback`],
    post_logout_redirect_uris: [`${djangoOrigin}/`],
    backchannel_logout_uri: `${djangoOrigin}/oidc/backchannel-logout`,
    backchannel_logout_session_required: true,
    grant_types: ["authorization_code", "refresh_token"],
  };
  return { IRONLINK_OIDC_CLIENTS: JSON.stringify([client]), IRONLINK_OIDC_JWKS: jwks };
}

/** apps/django's environment (`npm run start -w @ironlink/django`): every setting it reads, pinned. */
export function djangoEnvironment({ port, issuer, clientSecret, secretKey, dataDir }: { port: number; issuer: string; clientSecret: string; secretKey: string; dataDir: string }): Record<string, string> {
  return {
    DJANGO_PORT: String(port),
    DJANGO_PUBLIC_URL: `http://127.0.0.1:${port}`,
    IRONLINK_ISSUER: issuer,
    LOGIN_URL: issuer,
    DJANGO_OIDC_CLIENT_ID: djangoClientId,
    DJANGO_OIDC_CLIENT_SECRET: clientSecret,
    DJANGO_SECRET_KEY: secretKey,
    DJANGO_DEBUG: "",
    DJANGO_DATA_DIR: dataDir,
  };
}
