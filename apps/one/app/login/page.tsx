export { LoginPage as default } from "@ironlink/ui/pages";
