import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, utimes, writeFile } from "node:fs/promises";
import { createHash, randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { unsealData } from "iron-session";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";

/**
 * Watches (never changes) the file store's stat() of ended/ markers: a poll stats them one after another,
 * so two at once means two polls at once.
 */
const markerStats = vi.hoisted(() => ({ inFlight: 0, most: 0 }));
vi.mock("node:fs/promises", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs/promises")>();
  const stat = (async (path: Parameters<typeof actual.stat>[0], ...rest: []) => {
    if (!String(path).includes("/ended/")) return actual.stat(path, ...rest);
    markerStats.most = Math.max(markerStats.most, ++markerStats.inFlight);
    try {
      return await actual.stat(path, ...rest);
    } finally {
      markerStats.inFlight--;
    }
  }) as typeof actual.stat;
  return { ...actual, stat, default: { ...actual, stat } };
});
import { createSessionManager, sessionInfo, type SessionOptions } from "../src/index";
import { FileStore } from "../src/file";
import { cookieName, MemoryCookieStore, password, sidOf, storedValue } from "./helpers";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ironlink-files-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

type Data = { user?: { id: string }; theme?: string };
const optionsFor = (store: FileStore, extra: Partial<SessionOptions> = {}): SessionOptions => ({
  password,
  cookieName,
  ttl: 3600,
  store,
  userId: (data) => (data as Data).user?.id,
  ...extra,
});

/** Two apps, each with its own FileStore on the shared directory. */
function twoApps() {
  return [createSessionManager<Data>(optionsFor(new FileStore({ dir }))), createSessionManager<Data>(optionsFor(new FileStore({ dir })))] as const;
}

async function signIn(app: ReturnType<typeof twoApps>[number], id: string) {
  const cookies = new MemoryCookieStore();
  const session = await app.getSession(cookies);
  session.user = { id };
  await session.save();
  return { cookie: cookies.written(), session };
}

describe("FileStore behind getSession: one session across two apps through a shared directory", () => {
  test("signed in on one app is signed in on the other; sign-out on either ends both", async () => {
    const [one, two] = twoApps();
    const { cookie } = await signIn(one, "fay");
    expect((await two.getSession(new MemoryCookieStore({ [cookieName]: cookie }))).user).toEqual({ id: "fay" });
    await (await two.getSession(new MemoryCookieStore({ [cookieName]: cookie }))).destroy();
    expect(sessionInfo(await one.getSession(new MemoryCookieStore({ [cookieName]: cookie }))).state).toBe("expired");
  });

  test("files hold iron seals only, under hashed names: no session id, no plaintext data", async () => {
    const [one] = twoApps();
    const { cookie, session } = await signIn(one, "gil");
    session.theme = "a-very-recognisable-theme";
    await session.save();
    const sid = await sidOf(cookie);
    const names = await readdir(join(dir, "sessions"));
    expect(names).toContain(sessionInfo(session).publicId);
    for (const name of names) expect(name).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const file = await readFile(join(dir, "sessions", sessionInfo(session).publicId as string), "utf8");
    expect(file).not.toContain(sid);
    expect(file).not.toContain("recognisable");
    const seal = file.split("\n")[1] as string;
    expect(seal.startsWith("Fe26.2*")).toBe(true);
    expect(await unsealData(seal, { password })).toMatchObject({ data: { user: { id: "gil" }, theme: "a-very-recognisable-theme" } });
  });

  test("the per-user index lists, revokes one and revokes all but the current session", async () => {
    const [one, two] = twoApps();
    const a = await signIn(one, "hal");
    const b = await signIn(two, "hal");
    const c = await signIn(two, "hal");
    expect((await one.listSessions("hal")).map((s) => s.publicId).sort()).toEqual([a, b, c].map((x) => sessionInfo(x.session).publicId).sort());
    expect(await one.revokeSession(sessionInfo(b.session).publicId as string)).toBe(true);
    expect(sessionInfo(await two.getSession(new MemoryCookieStore({ [cookieName]: b.cookie }))).state).toBe("expired");
    expect(await two.revokeUserSessions("hal", { except: sessionInfo(a.session).publicId })).toBe(1);
    expect((await one.listSessions("hal")).map((s) => s.publicId)).toEqual([sessionInfo(a.session).publicId]);
  });

  test("expired files are swept", async () => {
    const sweepDir = await mkdtemp(join(tmpdir(), "ironlink-sweep-"));
    try {
      const store = new FileStore({ dir: sweepDir });
      const key = "A".repeat(43);
      const now = Date.now();
      await store.set(key, JSON.stringify(storedValue(key, {})), { mode: "create", now, expiresAt: now + 60_000, userId: "ivy" });
      expect(await readdir(join(sweepDir, "sessions"))).toEqual([key]);
      expect(await store.sweep(now + 61_000)).toBe(1);
      expect(await readdir(join(sweepDir, "sessions"))).toEqual([]);
      expect(await readdir(join(sweepDir, "users"))).toEqual([]);
    } finally {
      await rm(sweepDir, { recursive: true, force: true });
    }
  });

  test("concurrent saves of different fields from both apps lose nothing", { timeout: 30_000 }, async () => {
    const [one] = twoApps();
    const { cookie } = await signIn(one, "jo");
    // App two is a process of its own, as in production: its own FileStore and its own module state, so the
    // write queue of store-writes.ts orders nothing between the apps; only the store's lock and compare-and-set do.
    const fields = Array.from({ length: 30 }, (_, i) => i);
    const two = await otherAppProcess({ cookie, fields: fields.filter((i) => i % 2 === 0) });
    await Promise.all([
      two.save(),
      ...fields
        .filter((i) => i % 2 === 1)
        .map(async (i) => {
          const session = (await one.getSession(new MemoryCookieStore({ [cookieName]: cookie }))) as unknown as Record<string, unknown> & { save(): Promise<void> };
          session[`field${i}`] = i;
          await session.save();
        }),
    ]);
    const final = { ...(await one.getSession(new MemoryCookieStore({ [cookieName]: cookie }))) } as Record<string, unknown>;
    for (let i = 0; i < 30; i++) expect(final[`field${i}`]).toBe(i);
  });
});

/**
 * App two of the shared directory in a child process (test/processes/file-app.ts, run by tsx), with the
 * session `cookie` opened: `save()` has it save `field<i>` = i for each of `fields` at once.
 */
async function otherAppProcess({ cookie, fields }: { cookie: string; fields: number[] }) {
  const script = fileURLToPath(new URL("./processes/file-app.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", script, JSON.stringify({ dir, cookieName, password, cookie, fields })], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  const said = (line: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => output.split("\n").includes(line) && resolve();
      child.stdout.on("data", check);
      check();
      void exited.then((code) => reject(new Error(`app two exited (${code}) before saying "${line}":\n${output}`)));
    });
  await said("ready");
  return {
    save: async () => {
      child.stdin.write("go\n");
      await said("done");
      await exited;
    },
  };
}

describe("FileStore's ended/ markers (live sign-out): swept, and polled without overlap", () => {
  const newKey = () => createHash("sha256").update(randomBytes(32)).digest("base64url");
  const until = async (condition: () => boolean | Promise<boolean>, ms: number) => {
    const deadline = Date.now() + ms;
    while (!(await condition()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    return condition();
  };
  const markers = async (base: string) => readdir(join(base, "ended")).catch(() => [] as string[]);
  /** Makes the marker look written `ms` ago, as if that much time had passed. */
  const age = (base: string, key: string, ms: number) => utimes(join(base, "ended", key), new Date(Date.now() - ms), new Date(Date.now() - ms));

  test("a subscriber removes a marker once it is a minute old, and announces it once", async () => {
    const base = await mkdtemp(join(tmpdir(), "ironlink-ended-"));
    const [one, two] = [new FileStore({ dir: base }), new FileStore({ dir: base })];
    const heard: string[] = [];
    const stop = await two.subscribeEnded((key) => heard.push(key), () => {});
    try {
      const key = newKey();
      await one.delete(key);
      expect(await until(() => heard.includes(key), 3_000)).toBe(true);
      expect(await markers(base)).toEqual([key]);
      // The minute passes (its last 15 s are the ~75 s the issue allows): the next poll removes it.
      await age(base, key, 61_000);
      expect(await until(async () => (await markers(base)).length === 0, 3_000)).toBe(true);
      expect(heard).toEqual([key]);
    } finally {
      await stop();
      await rm(base, { recursive: true, force: true });
    }
  });

  test("the sweep removes markers over a minute old even where nobody subscribes, and keeps newer ones", async () => {
    const base = await mkdtemp(join(tmpdir(), "ironlink-ended-"));
    const store = new FileStore({ dir: base });
    try {
      const [old, recent] = [newKey(), newKey()];
      await store.delete(old);
      await store.delete(recent);
      await age(base, old, 61_000);
      await store.sweep();
      expect(await markers(base)).toEqual([recent]);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  test("polls never overlap, however long one takes; each marker is announced once", async () => {
    const base = await mkdtemp(join(tmpdir(), "ironlink-ended-"));
    const store = new FileStore({ dir: base });
    const heard = new Map<string, number>();
    const stop = await store.subscribeEnded((key) => heard.set(key, (heard.get(key) ?? 0) + 1), () => {});
    try {
      await mkdir(join(base, "ended"), { recursive: true });
      // More markers than one poll reads in its 250 ms on this machine.
      const keys = Array.from({ length: 3_000 }, newKey);
      // Renamed into place as the store writes them: a plain writeFile can change a marker's mtime between a
      // poll's stat and the write's end, which reads as a second announcement of the same end.
      const place = async (key: string) => {
        await writeFile(join(base, `${key}.tmp`), "ended");
        await rename(join(base, `${key}.tmp`), join(base, "ended", key));
      };
      for (let i = 0; i < keys.length; i += 200) await Promise.all(keys.slice(i, i + 200).map(place));
      markerStats.most = 0;
      expect(await until(() => heard.size === keys.length, 30_000)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(markerStats.most).toBe(1);
      expect([...heard.values()].filter((count) => count > 1)).toEqual([]);
    } finally {
      await stop();
      await rm(base, { recursive: true, force: true });
    }
  });
});
