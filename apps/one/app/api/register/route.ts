export { POST } from "@ironlink/auth/routes/register";
