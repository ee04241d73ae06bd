// Runs in a project outside the workspace, under whatever node runs it, with the iron-session that project
// installed (9, in iron-session-versions.test.ts): opens every seal of argv[2]'s `seals` with that
// iron-session's unsealData and seals argv[2]'s `data` with its sealData. Prints it all as JSON.
import { readFileSync } from "node:fs";
import { sealData, unsealData } from "iron-session";

const { password, ttl, data, seals } = JSON.parse(process.argv[2]);
const { version } = JSON.parse(readFileSync(new URL("./node_modules/iron-session/package.json", import.meta.url), "utf8"));
const opened = [];
for (const seal of seals) opened.push(await unsealData(seal, { password, ttl }));
console.log(JSON.stringify({ node: process.version, ironSession: version, sealed: await sealData(data, { password, ttl }), opened }));
