export { proxy } from "@ironlink/next/proxy";

// Next needs the matcher written here, literally: every path but static assets.
export const config = { matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"] };
