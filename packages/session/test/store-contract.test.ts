import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore } from "../src/file";
import { RedisStore } from "../src/redis";
import { describeStoreContract } from "../src/testing";
import { useTestRedis } from "./helpers";

const redis = useTestRedis();

describeStoreContract("RedisStore", async () => ({ store: redis.store, second: new RedisStore({ client: redis.client, prefix: redis.prefix }) }));

describeStoreContract("FileStore", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ironlink-filestore-"));
  // Two instances on one directory share nothing in memory, as two app processes would not.
  return { store: new FileStore({ dir }), second: new FileStore({ dir }), cleanup: () => rm(dir, { recursive: true, force: true }) };
});
