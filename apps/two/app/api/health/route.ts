export { GET } from "@ironlink/auth/routes/health";
