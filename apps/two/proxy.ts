import type { NextRequest } from "next/server";
import { ironlink } from "./lib/ironlink";

// The kit's optimistic proxy, with this app's options (its protected paths, where sign-in is).
export function proxy(request: NextRequest) {
  return ironlink.proxy(request);
}

// Next needs the matcher written here, literally: pages only (the route handlers under /api/ answer for themselves).
export const config = { matcher: ["/((?!api/|_next/static|_next/image|favicon.ico).*)"] };
