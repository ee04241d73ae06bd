// The fleet's limit (one home, @ironlink/session/fleet), for the route handlers, server actions and next.config.
import { fleetHttp } from "@ironlink/session/fleet";

export const { maxBodyBytes } = fleetHttp;
