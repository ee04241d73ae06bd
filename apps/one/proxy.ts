export { proxy } from "@ironlink/auth/proxy";

// Only pages that need a signed-in user; the pages check the session in Redis themselves.
export const config = { matcher: ["/", "/account"] };
