export { POST } from "@ironlink/auth/routes/logout";
