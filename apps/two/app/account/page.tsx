export { AccountPage as default } from "@ironlink/next/ui";
