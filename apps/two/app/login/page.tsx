export { LoginPage as default } from "@ironlink/next/ui";
