// The fleet's limit (one home, @ironlink/session/fleet), for the route handlers, server actions and next.config.
export { maxBodyBytes } from "@ironlink/session/fleet";
