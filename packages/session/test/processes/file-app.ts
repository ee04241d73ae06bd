/**
 * Another app on the shared directory, in a process of its own (file-store.test.ts): its own FileStore and
 * its own module state, as a second app would have, so nothing in memory orders its writes with the test's.
 * Given `{ dir, cookieName, password, cookie, fields }` as its argument, it opens the session the cookie
 * holds, says "ready", and on "go" (stdin) saves each field (`field<i>` = i) at once, then says "done".
 */
import { createSessionManager } from "../../src/index";
import { FileStore } from "../../src/file";

const { dir, cookieName, password, cookie, fields } = JSON.parse(process.argv[2] ?? "{}") as {
  dir: string;
  cookieName: string;
  password: string;
  cookie: string;
  fields: number[];
};
const app = createSessionManager<Record<string, unknown>>({ password, cookieName, ttl: 3600, store: new FileStore({ dir }), userId: (data) => (data.user as { id?: string } | undefined)?.id });
const cookies = { get: (name: string) => (name === cookieName ? { name, value: cookie } : undefined), set: () => {} };

process.stdout.write("ready\n");
process.stdin.once("data", () => {
  Promise.all(
    fields.map(async (i) => {
      const session = (await app.getSession(cookies)) as Record<string, unknown> & { save(): Promise<void> };
      session[`field${i}`] = i;
      await session.save();
    }),
  ).then(
    () => {
      process.stdout.write("done\n");
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
