import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { appEnvironment, outsideApps, ports, redisUrl } from "./env";
import type { Page } from "@playwright/test";
import { appOne, appTwo, expect, fillCredentials, registerViaApi, signedInAs, type TestUser, test, uniqueUser } from "./fixtures";
import { ManagedProcess } from "./private-fleet";
import { installedVersion, npm, outsideEnv, repoRoot } from "./outside";
import { gotoLive, liveDeadlineMs, recordNotices, signedOutText, whenAnswered } from "./live";

/**
 * docs/adding-an-app.md, followed literally: its "another repository" Next.js app and its Express app are
 * written from the page's code blocks (each block with a file name) into projects outside the workspace,
 * installed from the packed tarballs with the page's own `npm i` lines, built, and started beside the demo
 * fleet with the fleet's environment. Nothing of the workspace's code reaches them.
 */
const publishable = ["@ironlink/session", "@ironlink/next", "@ironlink/express"];
// What a person installs today; the workspace itself builds with TypeScript 7.
const consumerVersions: Record<string, string> = { typescript: "~5.9.0" };

interface DocSection {
  files: Map<string, string>;
  /** The section's `npm i …` lines, each a list of arguments (package names, and -D). */
  install: string[][];
  /** The section's start command line: its variables, then the command. */
  start: string | undefined;
}

/** The code blocks of one numbered section of docs/adding-an-app.md. */
function readSection(markdown: string, heading: string): DocSection {
  const start = markdown.indexOf(`## ${heading}`);
  if (start < 0) throw new Error(`docs/adding-an-app.md has no section "${heading}"`);
  const end = markdown.indexOf("\n## ", start + 3);
  const text = markdown.slice(start, end < 0 ? undefined : end);
  const files = new Map<string, string>();
  const install: string[][] = [];
  let startLine: string | undefined;
  for (const [, language, title, body] of text.matchAll(/```(\w+)(?: title="([^"]+)")?\n([\s\S]*?)```/g)) {
    if (title) files.set(title, body!);
    else if (language === "sh") {
      for (const line of body!.split("\n")) {
        if (line.startsWith("npm i ")) install.push(line.replace(/#.*/, "").slice("npm i ".length).split(/\s+/).filter(Boolean));
        if (/\bnpm start$/.test(line)) startLine = line;
      }
    }
  }
  return { files, install, start: startLine };
}

/** Writes a section's files into `dir` and installs its packages: ours from the tarballs, the rest at the workspace's versions. */
async function createProject(dir: string, section: DocSection, tarballs: Map<string, string>): Promise<void> {
  for (const [file, content] of section.files) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), content);
  }
  // @ironlink/next and @ironlink/express depend on @ironlink/session: its tarball, not the registry's.
  const session = tarballs.get("@ironlink/session")!;
  for (const [index, line] of section.install.entries()) {
    const specs = await Promise.all(line.map(async (name) => (name.startsWith("-") ? name : (tarballs.get(name) ?? `${name}@${consumerVersions[name] ?? installedVersion(name)}`))));
    await npm(["install", ...specs, ...(index === 0 && !specs.includes(session) ? [session] : [])], dir);
  }
}

/** The start line's variables (`A=1 B=2 npm start`), with this run's ports in place of the page's. */
function startVariables(line: string, origin: string, port: number): Record<string, string> {
  const variables = Object.fromEntries([...line.matchAll(/(\w+)=(\S+)/g)].map(([, name, value]) => [name!, value!]));
  for (const name of Object.keys(variables)) variables[name] = name === "PORT" ? String(port) : variables[name]!.replace(/^https?:\/\/[^/]+/, origin);
  return variables;
}

/** The fleet's variables and the start line's. NODE_ENV is the apps' own: `next start` sets it, and the Express app's `start` script as the doc writes it. */
function fleetEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...outsideEnv, ...appEnvironment({ redisUrl, appOnePort: ports.appOne, appTwoPort: ports.appTwo, servicePort: ports.service }), NODE_ENV: undefined, ...extra };
}

async function waitForAnswer(url: string, process: ManagedProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!process.running) throw new Error(`${process.name} exited:\n${process.output}`);
    try {
      await fetch(url, { redirect: "manual" });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`${process.name} did not answer at ${url}:\n${process.output}`);
}

/** A new user, signed in through app one's login page. */
async function signInOnAppOne(page: Page): Promise<TestUser> {
  const user = uniqueUser();
  await registerViaApi(user);
  await page.goto(`${appOne}/login`);
  await fillCredentials(page, user);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
  return user;
}

let root: string;
let express: DocSection;
const running: ManagedProcess[] = [];

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  test.setTimeout(480_000);
  const markdown = await readFile(path.join(repoRoot, "docs/adding-an-app.md"), "utf8");
  const next = readSection(markdown, "3. A Next.js app in another repository");
  express = readSection(markdown, "4. An Express app");
  root = await mkdtemp(path.join(tmpdir(), "ironlink-outside-apps-"));
  await npm(["pack", ...publishable.flatMap((name) => ["-w", name]), "--pack-destination", root], repoRoot);
  const tarballs = new Map<string, string>();
  // npm names the tarball of @scope/name `scope-name-<version>.tgz`.
  for (const file of await readdir(root)) {
    const name = publishable.find((candidate) => new RegExp(`^${candidate.slice(1).replace("/", "-")}-\\d`).test(file));
    if (name) tarballs.set(name, path.join(root, file));
  }
  expect([...tarballs.keys()].sort()).toEqual([...publishable].sort());

  const nextDir = path.join(root, "next-app");
  const expressDir = path.join(root, "express-app");
  await Promise.all([createProject(nextDir, next, tarballs), createProject(expressDir, express, tarballs)]);
  await npm(["run", "build"], nextDir);

  const nextApp = new ManagedProcess("outside next app", "npm", ["start"], {
    cwd: nextDir,
    env: fleetEnv(startVariables(next.start!, outsideApps.next, ports.outsideNext)),
  });
  const expressApp = new ManagedProcess("outside express app", "npm", ["start"], {
    cwd: expressDir,
    env: fleetEnv(startVariables(express.start!, outsideApps.service, ports.outsideService)),
  });
  running.push(nextApp, expressApp);
  await Promise.all([waitForAnswer(`${outsideApps.next}/api/health`, nextApp), waitForAnswer(`${outsideApps.service}/api/me`, expressApp)]);
});

test.afterAll(async () => {
  await Promise.all(running.map((process) => process.stop()));
  if (root) await rm(root, { recursive: true, force: true });
});

test("sign in once on app one: signed in on app two, the outside Next app and the outside Express app", async ({ page }) => {
  const user = await signInOnAppOne(page);

  await page.goto(`${appTwo}/`);
  await expect(signedInAs(page)).toHaveText(`Signed in as ${user.username}`);
  for (const origin of [outsideApps.next, outsideApps.service]) {
    await page.goto(`${origin}/`);
    await expect(page.getByText(`Signed in as ${user.username}`), origin).toBeVisible();
  }
});

test("an anonymous visitor of the outside apps signs in on app one and comes back", async ({ page }) => {
  const user = uniqueUser();
  await registerViaApi(user);
  await page.goto(`${outsideApps.next}/`);
  await expect(page).toHaveURL(`${appOne}/login?next=${encodeURIComponent(`${outsideApps.next}/`)}`);
  await fillCredentials(page, user);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(`${outsideApps.next}/`);
  await expect(page.getByText(`Signed in as ${user.username}`)).toBeVisible();

  // Already signed in: the Express app's trip to the sign-in page comes straight back.
  await page.goto(`${outsideApps.service}/`);
  await expect(page).toHaveURL(`${outsideApps.service}/`);
  await expect(page.getByText(`Signed in as ${user.username}`)).toBeVisible();
});

test("sign out on the outside Express app: signed out everywhere", async ({ page }) => {
  await signInOnAppOne(page);

  await page.goto(`${outsideApps.service}/`);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login\?next=/);
  for (const origin of [appOne, appTwo]) {
    expect((await page.request.get(`${origin}/api/session`)).status(), origin).toBe(401);
  }
  await page.goto(`${outsideApps.next}/`);
  await expect(page).toHaveURL(/^http:\/\/127\.0\.0\.1:\d+\/login\?next=/);
  expect((await page.request.get(`${outsideApps.service}/api/me`)).status()).toBe(401);
});

test("the doc's page (requireUser() and markup) hears a sign-out on app one and goes to sign in, without a reload", async ({ page, context }) => {
  const notices = await recordNotices(context);
  await signInOnAppOne(page);
  // The doc's app/page.tsx loads no script of its own: the kit's layout does, for a signed-in viewer.
  const outside = await context.newPage();
  await gotoLive(outside, `${outsideApps.next}/`);

  const signedOut = await whenAnswered(page, appOne, () => page.getByRole("button", { name: "Sign out", exact: true }).click());
  expect(signedOut.status).toBeLessThan(400);
  // Generous: this spec runs beside the demo fleet and projects being built.
  await expect(outside).toHaveURL(/\/login\?next=/, { timeout: liveDeadlineMs * 3 });
  expect((notices.get(outside) ?? []).map((notice) => [notice.url, notice.text])).toEqual([[`${outsideApps.next}/`, signedOutText]]);
});

test("no link the kit renders on the outside Next app (which hosts no sign-in pages) leads to a 404", async ({ page }) => {
  await signInOnAppOne(page);
  const checked = new Map<string, number>();
  for (const pathname of ["/", "/reports"]) {
    await page.goto(`${outsideApps.next}${pathname}`);
    await expect(page.getByText("Signed in as"), pathname).toBeVisible();
    const hrefs = await page.locator("a[href]").evaluateAll((links) => links.map((link) => (link as HTMLAnchorElement).href));
    expect(hrefs.length, `links on ${pathname}`).toBeGreaterThan(0);
    for (const href of hrefs) {
      if (!checked.has(href)) checked.set(href, (await page.request.get(href)).status());
    }
  }
  expect([...checked].filter(([, status]) => status >= 400)).toEqual([]);
  // The ProtectedPage's "Account" goes to the sign-in app's account page.
  expect([...checked.keys()]).toContain(`${appOne}/account`);
});

test("the doc's Express app answers its load balancer at /api/health and sends the fleet's security headers", async () => {
  const health = await fetch(`${outsideApps.service}/api/health`);
  expect(health.status).toBe(200);
  expect(await health.json()).toMatchObject({ status: "ok", store: "redis", redis: "ok" });
  const page = await fetch(`${outsideApps.service}/`, { headers: { accept: "text/html" }, redirect: "manual" });
  expect(page.status).toBe(303);
  for (const answer of [health, page]) {
    expect(answer.headers.get("x-frame-options")).toBe("DENY");
    expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
    expect(answer.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    expect(answer.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  }
});

test("an outside app started with another idle timeout refuses to start, naming the setting and both values", async () => {
  const expressDir = path.join(root, "express-app");
  const refused = new ManagedProcess("outside express app, idle 600", "npm", ["start"], {
    cwd: expressDir,
    env: fleetEnv({ ...startVariables(express.start!, outsideApps.service, ports.outsideService + 1), SESSION_IDLE_TIMEOUT: "600" }),
  });
  running.push(refused);
  expect(await refused.waitForExit(30_000)).toBe(true);
  expect(refused.exit?.code).not.toBe(0);
  expect(refused.output).toContain("SESSION_IDLE_TIMEOUT: this app has 600, the fleet has 1800");
});
