// The shared shell; the app's name and colour come from next.config.ts.
import "@ironlink/next/styles.css";

export { AppLayout as default, metadata } from "@ironlink/next/ui";
