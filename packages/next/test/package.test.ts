import { rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createOutsideProject, installedVersion, typecheckOutsideProject, run } from "@ironlink/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

/**
 * The package as people install it: the tarballs of @ironlink/session and @ironlink/next installed into a
 * project outside the workspace, beside Next.js, React and TypeScript 5.9 from the registry. (A real
 * `next build` of an app made from them is tests/e2e/outside-apps.spec.ts.)
 */
const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");

describe("the published package, from a project outside the workspace", { timeout: 120_000 }, () => {
  let project: string;

  beforeAll(async () => {
    project = await createOutsideProject({
      packs: ["@ironlink/session", "@ironlink/next"],
      dependencies: Object.fromEntries(["next", "react", "react-dom", "iron-session"].map((name) => [name, installedVersion(name)])),
      devDependencies: { typescript: "~5.9.0", "@types/node": "^20", "@types/react": installedVersion("@types/react") },
      fixtureDir: join(packageDir, "test/outside-project"),
    });
  }, 300_000);

  afterAll(async () => {
    if (project) await rm(project, { recursive: true, force: true });
  });

  test("plain Node loads the config entry, as next.config does", async () => {
    const { stdout } = await run("node", ["next-config.mjs"], { cwd: project });
    expect(JSON.parse(stdout)).toEqual({
      env: { IRONLINK_APP_NAME: "Reports", IRONLINK_APP_ACCENT: "#2563eb" },
      poweredByHeader: false,
      output: "standalone",
      headers: [
        { source: "/:path*", headers: [{ key: "X-Content-Type-Options", value: "nosniff" }] },
        {
          // An app's own routes under /api/: the API's headers, which the kit's route handlers send at runtime.
          source: "/api/:path*",
          headers: [
            { key: "X-Content-Type-Options", value: "nosniff" },
            { key: "Content-Security-Policy", value: "default-src 'none'; frame-ancestors 'none'" },
            { key: "X-Frame-Options", value: "DENY" },
          ],
        },
      ],
    });
  });

  test("the ironlink-next bin runs from the install and says how to use it", async () => {
    const failure = await run(join(project, "node_modules/.bin/ironlink-next"), ["serve"], { cwd: project }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1, stderr: expect.stringContaining("usage: ironlink-next dev|start") });
  });

  test("the built modules keep their directives first: 'use client', server-only (the server action is the app's own)", async () => {
    const dist = join(project, "node_modules/@ironlink/next/dist");
    const { readFile } = await import("node:fs/promises");
    // The forms run on the app's instance, through the app's own "use server" file: the kit ships none.
    expect(await readFile(join(dist, "forms.js"), "utf8")).toContain('import "server-only";');
    expect((await readFile(join(dist, "ui/components/auth-form.js"), "utf8")).startsWith('"use client";')).toBe(true);
    expect(await readFile(join(dist, "dal.js"), "utf8")).toContain('import "server-only";');
    // Next's own spelling, which its aliases need (a route handler gets another next/navigation than a page).
    expect(await readFile(join(dist, "dal.js"), "utf8")).toMatch(/from "next\/navigation";/);
  });

  test("a file using every public entry typechecks with tsc 5.9 under nodenext and the strict flags", async () => {
    await typecheckOutsideProject(project);
  });
});
