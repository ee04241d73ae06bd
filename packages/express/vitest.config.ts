import { ironlinkVitestConfig } from "@ironlink/testing/vitest-config";

export default ironlinkVitestConfig;
