"use client";
export { ErrorPage as default } from "@ironlink/next/ui/error-page";
