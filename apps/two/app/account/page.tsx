import { AccountPage } from "@ironlink/next/ui";
import { ironlink } from "../../lib/ironlink";
import { submitForm } from "../../lib/ironlink-actions";

export default function Account() {
  return <AccountPage ironlink={ironlink} submitForm={submitForm} />;
}
