export { register } from "@ironlink/auth/instrumentation";
