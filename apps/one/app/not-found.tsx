export { NotFoundPage as default } from "@ironlink/ui/pages";
