// Plain Node, as next.config loads it: the config entry, and the server's helper entries behind the bin.
import { ironlinkNextConfig } from "@ironlink/next/config";

const config = ironlinkNextConfig({ name: "Reports" }, { output: "standalone" });
console.log(JSON.stringify({ env: config.env, poweredByHeader: config.poweredByHeader, output: config.output, headers: await config.headers() }));
