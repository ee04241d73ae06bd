import { copyFile, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { redisUrl } from "./env";
import { installedVersion, npm, repoRoot, run } from "./outside";
import { appOne, expect, sessionCookieName, sessionPasswords, test, uniqueUser } from "./fixtures";

/**
 * The published package, as another team installs it: `npm pack`'s tarball installed into a project outside
 * the workspace, where plain Node reads the session app one wrote, with the fleet's settings and nothing of
 * the workspace's code. (packages/session/test/package.test.ts proves the tarball and its types in depth.)
 */
const fixture = path.join(repoRoot, "packages/session/test/outside-project/read-session.mjs");

let project: string;

test.beforeAll(async () => {
  test.setTimeout(180_000);
  project = await mkdtemp(path.join(tmpdir(), "ironlink-outside-e2e-"));
  await npm(["pack", "-w", "@ironlink/session", "--pack-destination", project], repoRoot);
  const tarball = (await readdir(project)).find((name) => name.endsWith(".tgz"));
  const dependencies = { "@ironlink/session": `file:./${tarball}`, "iron-session": installedVersion("iron-session"), ioredis: installedVersion("ioredis") };
  await writeFile(path.join(project, "package.json"), JSON.stringify({ name: "outside-reader", private: true, type: "module", dependencies }));
  await copyFile(fixture, path.join(project, "read-session.mjs"));
  await npm(["install"], project);
});

test.afterAll(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

test("plain Node, with only the installed package, reads the session app one wrote", async ({ request }) => {
  const user = uniqueUser();
  expect((await request.post(`${appOne}/api/register`, { data: user })).status()).toBe(201);
  const cookie = (await request.storageState()).cookies.find((entry) => entry.name === sessionCookieName)?.value;
  expect(cookie).toBeTruthy();

  // The fleet's settings, as the README tells another app to use them (the defaults of packages/session/src/fleet/config.ts).
  const fleet = { password: sessionPasswords, cookieName: sessionCookieName, ttl: 43_200, idleTimeout: 1_800, absoluteTimeout: 43_200, legacyCookies: "ignore" };
  const { stdout } = await run("node", ["read-session.mjs", redisUrl, cookie ?? "", JSON.stringify(fleet)], { cwd: project });
  const read = JSON.parse(stdout) as Record<"fetch" | "node", { state: string; publicId: string; user: { username: string } }> & { listed: string[] };
  for (const form of [read.fetch, read.node]) {
    expect(form).toMatchObject({ state: "active", user: { id: user.username.toLowerCase(), username: user.username } });
  }
  expect(read.listed).toContain(read.fetch.publicId);
  // Reading it elsewhere changed nothing for app one.
  expect((await request.get(`${appOne}/api/session`)).status()).toBe(200);
});
