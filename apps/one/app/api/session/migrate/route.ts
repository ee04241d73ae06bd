export { GET } from "@ironlink/auth/routes/migrate";
