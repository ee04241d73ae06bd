// Runs in a project outside the workspace, with @ironlink/session installed from its tarball: reads the
// session whose cookie is argv[3] from the Redis at argv[2], as an app with the same settings would.
// Prints what it read as JSON.
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSessionManager, getIronSession, sessionInfo } from "@ironlink/session";
import { FileStore } from "@ironlink/session/file";
import { createRedisClient, RedisStore } from "@ironlink/session/redis";

const [redisUrl, cookie, optionsJson] = process.argv.slice(2);
const shared = JSON.parse(optionsJson);
const client = createRedisClient(redisUrl);
try {
  const options = { ...shared, store: new RedisStore({ client, prefix: shared.prefix }), userId: (data) => data.user?.id };
  const cookieHeader = `${options.cookieName}=${cookie}`;

  // Fetch objects, through the one-call form…
  const fetchSession = await getIronSession(new Request("http://app.test/", { headers: { cookie: cookieHeader } }), new Response(), options);
  // …and node:http's objects, in a real server, through a manager (what an app creates once).
  const manager = createSessionManager(options);
  const server = createServer(async (req, res) => {
    const session = await manager.getSession(req, res);
    res.end(JSON.stringify({ ...sessionInfo(session), user: session.user }));
  });
  await new Promise((listening) => server.listen(0, "127.0.0.1", listening));
  const answer = await fetch(`http://127.0.0.1:${server.address().port}/`, { headers: { cookie: cookieHeader } });
  const nodeSession = await answer.json();
  server.close();
  const listed = await manager.listSessions(nodeSession.user.id);

  // The file entry loads and its store round-trips a session on its own.
  const dir = await mkdtemp(join(tmpdir(), "ironlink-outside-files-"));
  const fileOptions = { ...options, store: new FileStore({ dir }) };
  const response = new Response();
  const written = await getIronSession(new Request("http://app.test/"), response, fileOptions);
  written.greeting = "hello";
  await written.save();
  const fileCookie = response.headers.get("set-cookie").split(";")[0];
  const fileSession = await getIronSession(new Request("http://app.test/", { headers: { cookie: fileCookie } }), new Response(), fileOptions);
  await rm(dir, { recursive: true, force: true });

  console.log(
    JSON.stringify({
      fetch: { ...sessionInfo(fetchSession), user: fetchSession.user },
      node: nodeSession,
      listed: listed.map((session) => session.publicId),
      file: { state: sessionInfo(fileSession).state, greeting: fileSession.greeting },
    }),
  );
} finally {
  client.disconnect();
}
