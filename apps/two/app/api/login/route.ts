export { POST } from "@ironlink/auth/routes/login";
