// `node --test scripts/`: the system-tools check, run with a PATH and CHROMIUM_PATH of the test's choosing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'system-tools.mjs');
// The script runs by node's full path: PATH holds only what a test puts there (node may live in /usr/bin, beside redis-server and apt-get).
const emptyDir = mkdtempSync(path.join(os.tmpdir(), 'system-tools-empty-'));
// A python3 that imports anything, so apps/django's Python packages count as present unless a test says otherwise.
const pythonDir = mkdtempSync(path.join(os.tmpdir(), 'system-tools-python-'));
const python = path.join(pythonDir, 'python3');
writeFileSync(python, '#!/bin/sh\nexit 0\n');
chmodSync(python, 0o755);
process.on('exit', () => {
  rmSync(emptyDir, { recursive: true, force: true });
  rmSync(pythonDir, { recursive: true, force: true });
});

function check(env) {
  const started = Date.now();
  const result = spawnSync(process.execPath, [script], { env: { HOME: os.tmpdir(), IRONLINK_PYTHON: python, ...env }, encoding: 'utf8', timeout: 30_000 });
  return { ...result, seconds: (Date.now() - started) / 1000 };
}

test('with neither tool and no apt-get, it stops within seconds naming both and how to install them', () => {
  const result = check({ PATH: emptyDir, CHROMIUM_PATH: '/nonexistent/chromium' });
  assert.equal(result.status, 1);
  assert.ok(result.seconds < 10, `took ${result.seconds} s`);
  assert.match(result.stderr, /the tests need redis-server and chromium/);
  assert.match(result.stderr, /apt-get cannot run unattended here/);
  assert.match(result.stderr, /sudo apt-get install -y redis-server chromium/);
  assert.match(result.stderr, /brew install redis/);
  assert.match(result.stderr, /brew install --cask chromium/);
});

test('with both tools present it says nothing and succeeds', () => {
  const bin = mkdtempSync(path.join(os.tmpdir(), 'system-tools-'));
  try {
    const redis = path.join(bin, 'redis-server');
    writeFileSync(redis, '#!/bin/sh\nexit 0\n');
    chmodSync(redis, 0o755);
    const result = check({ PATH: bin, CHROMIUM_PATH: process.execPath });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout + result.stderr, '');
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
});

test('only what is missing is named', () => {
  const result = check({ PATH: emptyDir, CHROMIUM_PATH: process.execPath });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /the tests need redis-server, which is not installed/);
  assert.doesNotMatch(result.stderr, /chromium/);
});

test("without Django, Authlib and requests for apps/django's tests it names the three Debian packages and the pip commands", () => {
  const result = check({ PATH: emptyDir, CHROMIUM_PATH: process.execPath, IRONLINK_PYTHON: '/nonexistent/python3' });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /the tests need redis-server, python3-django, python3-authlib and python3-requests, which are not installed/);
  assert.match(result.stderr, /sudo apt-get install -y redis-server python3-django python3-authlib python3-requests/);
  assert.match(result.stderr, /pip3 install "django>=3.2,<4"/);
  assert.match(result.stderr, /pip3 install "authlib>=1.2"/);
});

test('with an apt-get that can run unattended it installs what is missing, says so, and succeeds', () => {
  const bin = mkdtempSync(path.join(os.tmpdir(), 'system-tools-apt-'));
  try {
    const chromium = path.join(bin, 'chromium-installed-here');
    const log = path.join(bin, 'apt-get.log');
    // A stand-in apt-get: logs its arguments and, on install, puts the two tools where the check looks.
    const aptGet = path.join(bin, 'apt-get');
    writeFileSync(aptGet, `#!/bin/sh\necho "$@" >> ${log}\nif [ "$1" = install ]; then\n  printf '#!/bin/sh\\nexit 0\\n' > ${bin}/redis-server\n  printf '#!/bin/sh\\nexit 0\\n' > ${chromium}\n  /bin/chmod 755 ${bin}/redis-server ${chromium}\nfi\n`);
    // And password-less sudo, for a machine where the tests do not run as root.
    const sudo = path.join(bin, 'sudo');
    writeFileSync(sudo, '#!/bin/sh\n[ "$1" = -n ] && shift\nexec "$@"\n');
    chmodSync(aptGet, 0o755);
    chmodSync(sudo, 0o755);
    const result = check({ PATH: bin, CHROMIUM_PATH: chromium });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /installing redis-server chromium with apt-get/);
    assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), ['update -qq', 'install -y -qq redis-server chromium']);
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
});
