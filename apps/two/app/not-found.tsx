export { NotFoundPage as default } from "@ironlink/next/ui";
