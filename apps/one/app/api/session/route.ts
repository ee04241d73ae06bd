export { GET } from "@ironlink/auth/routes/session";
