export { AccountPage as default } from "@ironlink/ui/pages";
