export { RegisterPage as default } from "@ironlink/ui/pages";
