"use client";
export { ErrorPage as default } from "@ironlink/ui/error-page";
