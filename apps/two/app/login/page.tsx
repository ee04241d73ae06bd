import { type AuthPageProps, LoginPage } from "@ironlink/next/ui";
import { ironlink } from "../../lib/ironlink";
import { submitForm } from "../../lib/ironlink-actions";

export default function Login({ searchParams }: AuthPageProps) {
  return <LoginPage ironlink={ironlink} submitForm={submitForm} searchParams={searchParams} />;
}
