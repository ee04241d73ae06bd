import { ironlinkNextConfig } from "@ironlink/next-config";

export default ironlinkNextConfig();
