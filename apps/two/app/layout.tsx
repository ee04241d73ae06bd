// The shared shell; the app's name and colour come from next.config.ts.
export { AppLayout as default, metadata } from "@ironlink/ui/layout";
