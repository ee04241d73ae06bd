import { ironlink } from "../../../lib/ironlink";

// /api/session, /api/login, /api/logout, /api/register, /api/health and /api/session/migrate.
export const { GET, POST, OPTIONS } = ironlink.handlers;
