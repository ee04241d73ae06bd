import { ironlinkNextConfig } from "@ironlink/next/config";

export default ironlinkNextConfig({ name: "Ironlink One", accent: "#2563eb" });
