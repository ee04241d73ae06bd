import { type AuthPageProps, RegisterPage } from "@ironlink/next/ui";
import { ironlink } from "../../lib/ironlink";
import { submitForm } from "../../lib/ironlink-actions";

export default function Register({ searchParams }: AuthPageProps) {
  return <RegisterPage ironlink={ironlink} submitForm={submitForm} searchParams={searchParams} />;
}
