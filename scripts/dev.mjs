#!/usr/bin/env node
// `npm run dev`: Redis + both Next.js apps and the Express service (turbo dev), with a shared session secret.
//
// Redis, in order of preference:
//   1. REDIS_URL from the environment, used as is.
//   2. A Redis already answering PING on 127.0.0.1:6379 (yours, or the compose one), reused.
//   3. `docker compose up -d redis` when a Docker engine is reachable (left running on exit).
//   4. A local `redis-server` child process with its data in .data/redis/ (stopped on exit).
//   5. Neither Docker nor redis-server (or SESSION_STORE=file): the shared-file store in .data/sessions/.
//
// In development both apps create a demo account (IRONLINK_DEMO_USER / IRONLINK_DEMO_PASSWORD), printed below.
//
// SESSION_PASSWORD comes from the environment, or is generated once and kept in
// .data/dev-session-password so both apps share it and sessions survive restarts.
//
// The sign-in app is an OpenID provider; its development material is made once in .data/ and reused:
// a signing key (.data/oidc-jwks.json, IRONLINK_OIDC_JWKS) and the Django app's client secret
// (.data/django-oidc-secret, DJANGO_OIDC_CLIENT_SECRET), with the client list (.data/oidc-clients.json,
// IRONLINK_OIDC_CLIENTS) written on each run from DJANGO_PORT / DJANGO_PUBLIC_URL. Variables already set win.
// apps/django needs Debian's python3-django and python3-authlib; without them it is skipped, not fatal.
//
// Plain Node (>= 20), no dependencies.

import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DATA_DIR = path.join(ROOT, '.data');
const REDIS_DIR = path.join(DATA_DIR, 'redis');
const REDIS_LOG = path.join(REDIS_DIR, 'redis-server.log');
const SECRET_FILE = path.join(DATA_DIR, 'dev-session-password');
const FILE_STORE_DIR = path.join(DATA_DIR, 'sessions');
const OIDC_JWKS_FILE = path.join(DATA_DIR, 'oidc-jwks.json');
const OIDC_CLIENTS_FILE = path.join(DATA_DIR, 'oidc-clients.json');
const DJANGO_SECRET_FILE = path.join(DATA_DIR, 'django-oidc-secret');
// The development account `npm run dev` creates (through the apps) and prints.
const DEMO_USER = process.env.IRONLINK_DEMO_USER || 'demo';
const DEMO_PASSWORD = process.env.IRONLINK_DEMO_PASSWORD || 'ironlink-demo';
const IS_WINDOWS = process.platform === 'win32';
const rel = (p) => path.relative(process.cwd(), p) || '.';

const log = (msg) => console.log(`[dev] ${msg}`);
const warn = (msg) => console.warn(`[dev] warning: ${msg}`);
const fail = (msg) => {
  console.error(`[dev] ${msg}`);
  process.exit(1);
};

// ---------------------------------------------------------------- helpers

/** Send an inline PING; resolves 'pong', 'other' (something answered, but not PONG) or 'none'. */
function ping(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    let settled = false;
    let buf = '';
    const done = (result) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(result);
    };
    const socket = net.createConnection({ host, port });
    socket.setTimeout(timeoutMs, () => done(buf ? 'other' : 'none'));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      buf += chunk.toString('latin1');
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG') ? 'pong' : 'other');
    });
    socket.on('error', () => done(buf ? 'other' : 'none'));
    socket.on('close', () => done(buf ? 'other' : 'none'));
  });
}

/** Can we bind host:port right now? (host undefined = all interfaces, like `next dev`) */
function portIsFree(port, host) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host }, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function which(cmd, extraDirs = []) {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), ...extraDirs].filter(Boolean);
  const exts = IS_WINDOWS ? ['.exe', '.cmd', ''] : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = path.join(dir, cmd + ext);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) return candidate;
      } catch {}
    }
  }
  return null;
}

function dockerEngineWorks() {
  if (!which('docker')) return false;
  const r = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 3000 });
  return r.status === 0;
}

/** The native turbo binary (so signals reach turbo itself), else the npm shim. */
function resolveTurbo() {
  const pkgJson = path.join(ROOT, 'node_modules', 'turbo', 'package.json');
  if (!fs.existsSync(pkgJson)) return null;
  const req = createRequire(pkgJson);
  const platform = IS_WINDOWS ? 'windows' : process.platform === 'android' ? 'linux' : process.platform;
  const arch = process.arch === 'x64' ? '64' : process.arch;
  const ext = IS_WINDOWS ? '.exe' : '';
  for (const candidate of [`@turbo/${platform}-${arch}/bin/turbo${ext}`, `turbo-${platform}-${arch}/bin/turbo${ext}`]) {
    try {
      return { bin: req.resolve(candidate), native: true };
    } catch {}
  }
  const shim = path.join(ROOT, 'node_modules', '.bin', IS_WINDOWS ? 'turbo.cmd' : 'turbo');
  return fs.existsSync(shim) ? { bin: shim, native: false } : null;
}

function sessionPassword() {
  const fromEnv = process.env.SESSION_PASSWORD;
  if (fromEnv) {
    log('SESSION_PASSWORD: using the value from the environment.');
    if (fromEnv.length < 32) warn('SESSION_PASSWORD is shorter than 32 characters; iron-session will reject it.');
    return fromEnv;
  }
  fs.mkdirSync(DATA_DIR, { recursive: true, mode: 0o700 });
  let secret = '';
  try {
    secret = fs.readFileSync(SECRET_FILE, 'utf8').trim();
  } catch {}
  if (secret.length >= 32) {
    try {
      fs.chmodSync(SECRET_FILE, 0o600);
    } catch {}
    log(`SESSION_PASSWORD: using the generated development secret in ${rel(SECRET_FILE)} (set SESSION_PASSWORD to override).`);
    return secret;
  }
  secret = randomBytes(32).toString('base64url');
  fs.writeFileSync(SECRET_FILE, `${secret}\n`, { mode: 0o600 });
  fs.chmodSync(SECRET_FILE, 0o600);
  log(`SESSION_PASSWORD: generated a development secret and saved it in ${rel(SECRET_FILE)} (reused on later runs; set SESSION_PASSWORD to override).`);
  return secret;
}

// ---------------------------------------------------------------- OpenID provider material

/** Read a development secret file; a missing or unreadable one is '' (and made again). */
function readSecretFile(file) {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

/** The provider's signing key: one RS256 key, generated once (private: mode 0600). */
function ensureOidcJwks() {
  try {
    const { keys } = JSON.parse(fs.readFileSync(OIDC_JWKS_FILE, 'utf8'));
    if (keys?.[0]?.d && keys[0].kid) {
      fs.chmodSync(OIDC_JWKS_FILE, 0o600);
      return;
    }
  } catch {}
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(12).toString('base64url'), alg: 'RS256', use: 'sig' };
  fs.writeFileSync(OIDC_JWKS_FILE, `${JSON.stringify({ keys: [jwk] }, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(OIDC_JWKS_FILE, 0o600);
  log(`OIDC: generated the provider's development signing key in ${rel(OIDC_JWKS_FILE)} (reused on later runs).`);
}

function djangoClientSecret() {
  if (process.env.DJANGO_OIDC_CLIENT_SECRET) return process.env.DJANGO_OIDC_CLIENT_SECRET;
  let secret = readSecretFile(DJANGO_SECRET_FILE);
  if (secret.length < 32) {
    secret = randomBytes(32).toString('base64url'); // 43 characters
    fs.writeFileSync(DJANGO_SECRET_FILE, `${secret}\n`, { mode: 0o600 });
  }
  fs.chmodSync(DJANGO_SECRET_FILE, 0o600);
  return secret;
}

/** The provider's environment and the Django app's: IRONLINK_OIDC_JWKS, IRONLINK_OIDC_CLIENTS, DJANGO_OIDC_CLIENT_SECRET. */
function oidcEnvironment(djangoUrl) {
  fs.mkdirSync(DATA_DIR, { recursive: true, mode: 0o700 });
  const env = { DJANGO_OIDC_CLIENT_SECRET: djangoClientSecret() };
  if (!process.env.IRONLINK_OIDC_JWKS) {
    ensureOidcJwks();
    env.IRONLINK_OIDC_JWKS = `@${OIDC_JWKS_FILE}`;
  }
  if (process.env.IRONLINK_OIDC_CLIENTS) {
    log('OIDC: IRONLINK_OIDC_CLIENTS from the environment (it must list the Django app for its sign-in to work).');
    return env;
  }
  const client = {
    client_id: process.env.DJANGO_OIDC_CLIENT_ID || 'django',
    client_secret: env.DJANGO_OIDC_CLIENT_SECRET,
    redirect_uris: [`${djangoUrl}/oidc/callback`],
    post_logout_redirect_uris: [`${djangoUrl}/`],
    backchannel_logout_uri: `${djangoUrl}/oidc/backchannel-logout`,
    backchannel_logout_session_required: true,
    grant_types: ['authorization_code', 'refresh_token'],
  };
  fs.writeFileSync(OIDC_CLIENTS_FILE, `${JSON.stringify([client], null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(OIDC_CLIENTS_FILE, 0o600);
  env.IRONLINK_OIDC_CLIENTS = `@${OIDC_CLIENTS_FILE}`;
  return env;
}

/** Can apps/django run here? (Debian's python3-django and python3-authlib, and python3-requests for Authlib's client.) */
function djangoCanRun() {
  const python = process.env.IRONLINK_PYTHON || '/usr/bin/python3';
  return spawnSync(python, ['-c', 'import django, authlib, requests'], { stdio: 'ignore', timeout: 10000 }).status === 0;
}

// ---------------------------------------------------------------- state + shutdown

let redisChild = null; // local redis-server we started
let redisLogStream = null;
let redisTail = [];
let turboChild = null;
let shuttingDown = false;
let lastSignalAt = 0;
let killTimer = null;

function stopRedis() {
  const child = redisChild;
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      try {
        child.kill('SIGKILL');
      } catch {}
    }, 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      child.kill('SIGTERM'); // redis-server shuts down cleanly (fsyncs the AOF) on SIGTERM
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

async function finish(code) {
  if (killTimer) clearTimeout(killTimer);
  if (redisChild && redisChild.exitCode === null && redisChild.signalCode === null) {
    log('Stopping redis-server…');
    await stopRedis();
  }
  redisLogStream?.end();
  process.exit(code);
}

function descendants(rootPid) {
  if (IS_WINDOWS) return [];
  const r = spawnSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  const children = new Map();
  for (const line of (r.stdout ?? '').split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (!pid) continue;
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(pid);
  }
  const out = [];
  const queue = [rootPid];
  while (queue.length) {
    for (const pid of children.get(queue.shift()) ?? []) {
      out.push(pid);
      queue.push(pid);
    }
  }
  return out;
}

function signalTurbo(signal) {
  if (!turboChild || turboChild.exitCode !== null) return;
  try {
    // The npm shim only forwards SIGTERM/SIGHUP; turbo treats SIGTERM like Ctrl-C.
    turboChild.kill(turboChild.native ? signal : 'SIGTERM');
  } catch {}
}

function onSignal(signal) {
  const now = Date.now();
  // One Ctrl-C usually arrives twice (terminal process group + npm forwarding it): treat
  // repeats within 1.5s as the same request. A later one asks turbo to force-kill its tasks.
  if (now - lastSignalAt < 1500) return;
  lastSignalAt = now;

  if (!turboChild) {
    // Still setting up (e.g. waiting for Redis).
    shuttingDown = true;
    finish(128 + (os.constants.signals[signal] ?? 15));
    return;
  }
  if (!shuttingDown) {
    shuttingDown = true;
    log(`${signal}: stopping the apps…`);
    signalTurbo(signal);
    // Last resort: kill turbo and everything under it (turbo puts each task in its own
    // process group, so list the descendants before turbo goes away).
    killTimer = setTimeout(() => {
      warn('turbo did not stop within 20s; killing it and its tasks.');
      for (const pid of [turboChild.pid, ...descendants(turboChild.pid)]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {}
      }
    }, 20000);
  } else {
    log(`${signal} again: forcing the apps to stop…`);
    signalTurbo(signal);
  }
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  if (IS_WINDOWS && sig === 'SIGHUP') continue;
  process.on(sig, () => onSignal(sig));
}
// Last-resort synchronous cleanup (uncaught errors, process.exit from elsewhere).
process.on('exit', () => {
  if (redisChild && redisChild.exitCode === null && redisChild.signalCode === null) {
    try {
      redisChild.kill('SIGTERM');
    } catch {}
  }
});

// ---------------------------------------------------------------- redis

async function startLocalRedis(redisServer) {
  let port = 6379;
  if (!(await portIsFree(6379, '127.0.0.1'))) {
    port = await freePort();
    log(`Port 6379 is taken by something that is not a usable Redis; using port ${port} instead.`);
  }
  fs.mkdirSync(REDIS_DIR, { recursive: true, mode: 0o700 });
  redisLogStream = fs.createWriteStream(REDIS_LOG, { flags: 'a' });
  redisLogStream.on('error', () => {});
  redisLogStream.write(`\n--- ${new Date().toISOString()} scripts/dev.mjs starting ${redisServer} on port ${port}\n`);

  const args = ['--port', String(port), '--bind', '127.0.0.1', '--appendonly', 'yes', '--dir', REDIS_DIR, '--daemonize', 'no'];
  log(`Starting local redis-server on 127.0.0.1:${port} (data in ${rel(REDIS_DIR)}/, log in ${rel(REDIS_LOG)}).`);
  const child = spawn(redisServer, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: a terminal Ctrl-C reaches the apps first; Redis is stopped after them.
    detached: !IS_WINDOWS,
  });
  redisChild = child;
  const collect = (chunk) => {
    redisLogStream.write(chunk);
    redisTail.push(...chunk.toString().split('\n').filter(Boolean));
    if (redisTail.length > 30) redisTail = redisTail.slice(-30);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let spawnError = null;
  child.on('error', (err) => {
    spawnError = err;
  });
  child.on('exit', (code, signal) => {
    if (!shuttingDown && turboChild) {
      warn(`redis-server exited unexpectedly (${signal ?? `code ${code}`}); sessions will fail. See ${rel(REDIS_LOG)}.`);
    }
  });

  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    if (shuttingDown) return new Promise(() => {}); // a signal arrived; finish() is stopping Redis and exiting
    if (spawnError) fail(`Could not start ${redisServer}: ${spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      console.error(redisTail.map((l) => `  redis-server | ${l}`).join('\n'));
      fail(`redis-server exited during start-up (${child.signalCode ?? `code ${child.exitCode}`}); full log in ${rel(REDIS_LOG)}.`);
    }
    if ((await ping('127.0.0.1', port, 500)) === 'pong') return `redis://127.0.0.1:${port}`;
    await sleep(150);
  }
  await stopRedis();
  fail(`redis-server did not answer PING on 127.0.0.1:${port} within 15s; see ${rel(REDIS_LOG)}.`);
}

async function startDockerRedis() {
  log('Docker engine found: running `docker compose up -d redis`…');
  const r = spawnSync('docker', ['compose', 'up', '-d', 'redis'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    warn('`docker compose up -d redis` failed.');
    return null;
  }
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    if ((await ping('127.0.0.1', 6379, 500)) === 'pong') {
      log('Redis (docker compose service "redis") is up on 127.0.0.1:6379; it keeps running after dev stops (`docker compose stop redis`).');
      return 'redis://127.0.0.1:6379';
    }
    await sleep(300);
  }
  warn('The compose Redis did not answer PING on 127.0.0.1:6379 within 30s.');
  return null;
}

async function resolveRedis() {
  if (process.env.SESSION_STORE === 'file') {
    log(`Sessions: SESSION_STORE=file, in ${process.env.SESSION_FILE_PATH || rel(FILE_STORE_DIR)}.`);
    return null;
  }
  if (process.env.REDIS_URL) {
    const url = process.env.REDIS_URL;
    let shown = url;
    try {
      const u = new URL(url);
      if (u.password) u.password = '***';
      shown = u.toString();
      if (u.protocol === 'redis:') {
        const reply = await ping(u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1', Number(u.port || 6379));
        if (reply === 'none') warn(`nothing answers at ${u.host} yet; the apps will fail until Redis is up there.`);
      }
    } catch {
      warn('REDIS_URL is not a valid URL.');
    }
    log(`Redis: using REDIS_URL from the environment (${shown}).`);
    return url;
  }

  if ((await ping('127.0.0.1', 6379)) === 'pong') {
    log('Redis: reusing the Redis already answering PING on 127.0.0.1:6379 (not starting another).');
    return 'redis://127.0.0.1:6379';
  }

  const port6379Free = await portIsFree(6379, '127.0.0.1');
  if (port6379Free && dockerEngineWorks()) {
    const url = await startDockerRedis();
    if (url) return url;
    log('Falling back to a local redis-server.');
  }

  const redisServer = which('redis-server', ['/usr/sbin', '/usr/local/bin', '/opt/homebrew/bin', '/usr/local/sbin']);
  if (redisServer) return startLocalRedis(redisServer);

  // Neither Docker nor redis-server: the shared-file store still gives a working demo.
  const banner = [
    '',
    '  ┌───────────────────────────────────────────────────────────────────────────────┐',
    '  │ No Redis here (no Docker engine, no redis-server): using the FILE session      │',
    `  │ store in ${rel(FILE_STORE_DIR).padEnd(69)}│`,
    '  │ Sessions, accounts and sign-in limits are shared by both apps through it.     │',
    '  │ For Redis:  sudo apt-get install -y redis-server   (Debian/Ubuntu)            │',
    '  │             brew install redis                     (macOS)                    │',
    '  │             docker compose up -d redis             (with Docker running)      │',
    '  │ or set REDIS_URL=redis://host:6379 and run npm run dev again.                 │',
    '  └───────────────────────────────────────────────────────────────────────────────┘',
    '',
  ];
  console.log(banner.join('\n'));
  return null;
}

// ---------------------------------------------------------------- main

const turbo = resolveTurbo();
if (!turbo) fail('turbo is not installed; run `npm install` first.');

const redisUrl = await resolveRedis();
if (shuttingDown) await new Promise(() => {}); // a signal arrived while starting Redis; finish() exits
const password = sessionPassword();

const onePort = process.env.APP_ONE_PORT || '5000';
const twoPort = process.env.APP_TWO_PORT || '7000';
const servicePort = process.env.SERVICE_PORT || '9000';
const djangoPort = process.env.DJANGO_PORT || '8000';
// Every app on one host name, so they share the session cookie: `localhost`, not 127.0.0.1, because browsers
// refuse passkeys (WebAuthn) on an IP address, and http://localhost counts as a secure context.
const devHost = process.env.DEV_HOST || 'localhost';
const appUrls = {
  APP_ONE_URL: process.env.APP_ONE_URL || `http://${devHost}:${onePort}`,
  APP_TWO_URL: process.env.APP_TWO_URL || `http://${devHost}:${twoPort}`,
  SERVICE_URL: process.env.SERVICE_URL || `http://${devHost}:${servicePort}`,
};
const loginUrl = process.env.LOGIN_URL || process.env.APP_ORIGINS?.split(',')[0]?.trim() || appUrls.APP_ONE_URL;
const djangoUrl = (process.env.DJANGO_PUBLIC_URL || `http://${devHost}:${djangoPort}`).replace(/\/+$/, '');
const withDjango = djangoCanRun();
const ports = [['APP_ONE_PORT', onePort], ['APP_TWO_PORT', twoPort], ['SERVICE_PORT', servicePort], ...(withDjango ? [['DJANGO_PORT', djangoPort]] : [])];
for (const [name, port] of ports) {
  if (!(await portIsFree(Number(port)))) warn(`port ${port} (${name}) is already in use; that app will fail to start.`);
}

const env = {
  ...process.env,
  ...(redisUrl
    ? { REDIS_URL: redisUrl }
    : { SESSION_STORE: 'file', SESSION_FILE_PATH: process.env.SESSION_FILE_PATH || FILE_STORE_DIR }),
  SESSION_PASSWORD: password,
  IRONLINK_DEMO_USER: DEMO_USER,
  IRONLINK_DEMO_PASSWORD: DEMO_PASSWORD,
  ...oidcEnvironment(djangoUrl),
  ...appUrls,
  LOGIN_URL: loginUrl,
  // The Django app's issuer is the sign-in app's origin.
  IRONLINK_ISSUER: process.env.IRONLINK_ISSUER || loginUrl,
  NEXT_TELEMETRY_DISABLED: process.env.NEXT_TELEMETRY_DISABLED ?? '1',
};

const extra = process.argv.slice(2);
const hasFilter = extra.some((a) => a === '-F' || a.startsWith('--filter'));
const turboArgs = ['run', 'dev', ...(hasFilter ? [] : ['--filter=./apps/*']), ...extra];

console.log('');
log(`Apps (use the same host name, ${devHost}, for all so they share the session cookie; passkeys need a name, not an IP address):`);
log(`  app one  ${appUrls.APP_ONE_URL}  (the sign-in app: ${loginUrl})`);
log(`  app two  ${appUrls.APP_TWO_URL}`);
log(`  service  ${appUrls.SERVICE_URL}  (Express, apps/service)`);
log(
  withDjango
    ? `  django   ${djangoUrl}  (Django, apps/django: signs in through app one's OpenID provider)`
    : '  django   not started: /usr/bin/python3 lacks Django/Authlib (sudo apt-get install -y python3-django python3-authlib python3-requests)',
);
log(`Demo account (development only): username "${DEMO_USER}", password "${DEMO_PASSWORD}".`);
log(`Starting: turbo ${turboArgs.join(' ')}`);
console.log('');

turboChild = spawn(turbo.bin, turboArgs, {
  cwd: ROOT,
  env,
  // No stdin: turbo runs in its own process group (so each signal reaches it exactly once,
  // from us) and must not read from the terminal.
  stdio: ['ignore', 'inherit', 'inherit'],
  detached: !IS_WINDOWS,
  shell: IS_WINDOWS && !turbo.native,
});
turboChild.native = turbo.native;
turboChild.on('error', async (err) => {
  console.error(`[dev] could not run turbo: ${err.message}`);
  await finish(1);
});
turboChild.on('exit', async (code, signal) => {
  const exitCode = code ?? 128 + (os.constants.signals[signal] ?? 15);
  if (!shuttingDown && exitCode !== 0) log(`turbo exited with code ${exitCode}.`);
  shuttingDown = true;
  await finish(exitCode);
});
