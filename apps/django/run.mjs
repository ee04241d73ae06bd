#!/usr/bin/env node
// Starts the Django app for `npm run dev` (DJANGO_DEBUG on by default) and `npm start`: Django's own
// runserver on 127.0.0.1:DJANGO_PORT, a demo server (production runs ironlink_django.wsgi under a WSGI server).
// `node run.mjs test` runs its Django tests (`python3 manage.py test`).
//
// Django and Authlib come from Debian's packages, not from npm, for IRONLINK_PYTHON (default /usr/bin/python3):
// when it cannot import them, dev and start say how to get them and exit 0, so `npm run dev` goes on with the
// rest of the fleet; test fails (scripts/system-tools.mjs installs them before `npm test`).
//
// Plain Node, no dependencies.

import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PYTHON = process.env.IRONLINK_PYTHON || '/usr/bin/python3';
const mode = ['start', 'test'].includes(process.argv[2]) ? process.argv[2] : 'dev';
const port = process.env.DJANGO_PORT || '8000';
const log = (msg) => console.log(`[django] ${msg}`);

// requests: Authlib's Django client speaks HTTP through it, and Debian's python3-authlib does not pull it in.
const probe = spawnSync(PYTHON, ['-c', 'import django, authlib, requests'], { stdio: 'ignore' });
if (probe.status !== 0) {
  log(`${PYTHON} cannot import Django, Authlib and requests: ${mode === 'test' ? 'cannot run the tests' : 'not starting the Django app (the others run without it)'}.`);
  log('  Debian/Ubuntu: sudo apt-get install -y python3-django python3-authlib python3-requests');
  log('  elsewhere:     a Python 3 with `pip install "django>=3.2,<4" "authlib>=1.2" requests`, named by IRONLINK_PYTHON');
  process.exit(mode === 'test' ? 1 : 0);
}
if (!process.env.DJANGO_OIDC_CLIENT_SECRET && mode === 'dev') {
  // `npm run dev` at the root sets it (.data/django-oidc-secret); alone, the app cannot sign anyone in.
  log('DJANGO_OIDC_CLIENT_SECRET is not set: not starting the Django app. Run `npm run dev` from the repository root.');
  process.exit(0);
}

const env = { ...process.env, DJANGO_PORT: port, PYTHONUNBUFFERED: '1' };
if (mode === 'dev') env.DJANGO_DEBUG ??= '1';
const args = mode === 'test' ? ['test'] : ['runserver', `127.0.0.1:${port}`, '--noreload'];
if (mode !== 'test') log(`http://127.0.0.1:${port} (${mode === 'dev' ? 'development' : 'Django runserver, a demo server'})`);
const child = spawn(PYTHON, [path.join(HERE, 'manage.py'), ...args], { cwd: HERE, env, stdio: 'inherit' });

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  });
}
child.on('error', (err) => {
  console.error(`[django] could not start ${PYTHON}: ${err.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => process.exit(code ?? 128 + (os.constants.signals[signal] ?? 15)));
