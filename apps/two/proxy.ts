export { proxy } from "@ironlink/next/proxy";

// Next needs the matcher written here, literally: pages only (the route handlers under /api/ answer for themselves).
export const config = { matcher: ["/((?!api/|_next/static|_next/image|favicon.ico).*)"] };
