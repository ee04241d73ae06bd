export { RegisterPage as default } from "@ironlink/next/ui";
