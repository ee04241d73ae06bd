import { ironlinkNextConfig } from "@ironlink/next/config";

export default ironlinkNextConfig({ name: "Ironlink Two", accent: "#059669" });
