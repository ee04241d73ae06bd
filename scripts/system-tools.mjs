#!/usr/bin/env node
// The system tools `npm test` needs beyond Node and npm, in one place: `npm test` and `.ci/run` both run
// this first. Each missing tool is installed with apt-get where that can work unattended (root, or
// password-less sudo); otherwise it stops within seconds naming every missing tool and the commands that
// install them, instead of failing minutes later inside a suite.
//
// CHROMIUM_PATH (default /usr/bin/chromium) is where Playwright finds the browser (playwright.config.ts):
// Playwright cannot download browsers here, so it uses the system's.
//
// apps/django (`turbo run test` runs its Django tests) needs Django, Authlib and requests (Authlib's Django
// client speaks HTTP through it; Debian's python3-authlib does not pull it in) importable by IRONLINK_PYTHON
// (default /usr/bin/python3, the Python Debian's python3-* packages install into).
//
// Plain Node, no dependencies.

import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const pythonPath = process.env.IRONLINK_PYTHON || '/usr/bin/python3';

/** What the tests need: how to tell it is there, and the package that brings it on Debian/Ubuntu and on macOS. */
export const systemTools = [
  { name: 'redis-server', present: () => onPath('redis-server') !== undefined, apt: 'redis-server', brew: 'brew install redis' },
  { name: 'chromium', present: () => isExecutable(chromiumPath), apt: 'chromium', brew: 'brew install --cask chromium (then set CHROMIUM_PATH)' },
  { name: 'python3-django', present: () => pythonImports('django'), apt: 'python3-django', brew: 'pip3 install "django>=3.2,<4" (then set IRONLINK_PYTHON to that python3)' },
  { name: 'python3-authlib', present: () => pythonImports('authlib'), apt: 'python3-authlib', brew: 'pip3 install "authlib>=1.2"' },
  { name: 'python3-requests', present: () => pythonImports('requests'), apt: 'python3-requests', brew: 'pip3 install requests' },
];

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function pythonImports(module) {
  return spawnSync(pythonPath, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
}

function onPath(binary) {
  return (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, binary)).find(isExecutable);
}

/** How apt-get can run without a person at the keyboard: directly as root, through password-less sudo, or not at all. */
function unattendedApt() {
  if (!onPath('apt-get')) return undefined;
  if (process.getuid?.() === 0) return [];
  if (onPath('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0) return ['sudo', '-n'];
  return undefined;
}

function run(prefix, args) {
  const [command, ...rest] = [...prefix, ...args];
  const result = spawnSync(command, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return result.status === 0;
}

function install(missing, prefix) {
  const packages = missing.map((tool) => tool.apt);
  console.log(`system-tools: installing ${packages.join(' ')} with apt-get (the tests need ${names(missing)})`);
  return run(prefix, ['apt-get', 'update', '-qq']) && run(prefix, ['apt-get', 'install', '-y', '-qq', ...packages]);
}

/** "a", "a and b", "a, b and c". */
function names(tools) {
  const all = tools.map((tool) => tool.name);
  return all.length < 3 ? all.join(' and ') : `${all.slice(0, -1).join(', ')} and ${all.at(-1)}`;
}

function explain(missing, why) {
  return [
    `system-tools: the tests need ${names(missing)}, which ${missing.length === 1 ? 'is' : 'are'} not installed, and ${why}.`,
    `  Debian/Ubuntu:     sudo apt-get install -y ${missing.map((tool) => tool.apt).join(' ')}`,
    ...missing.map((tool, i) => `  ${i === 0 ? 'macOS (Homebrew): ' : '                  '}${tool.brew}`),
    'Then run npm test again.',
  ].join('\n');
}

export function checkSystemTools() {
  const missing = systemTools.filter((tool) => !tool.present());
  if (missing.length === 0) return true;
  const prefix = unattendedApt();
  if (!prefix) {
    console.error(explain(missing, 'apt-get cannot run unattended here (not root, no password-less sudo, or no apt-get)'));
    return false;
  }
  install(missing, prefix);
  const still = missing.filter((tool) => !tool.present());
  if (still.length > 0) console.error(explain(still, 'apt-get could not install them (its output is above)'));
  return still.length === 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(checkSystemTools() ? 0 : 1);
