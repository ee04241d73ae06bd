import { ProtectedPage } from "@ironlink/next/ui";
import { ironlink } from "../lib/ironlink";

const appTwoUrl = process.env.APP_TWO_URL ?? "http://127.0.0.1:7000";

export default function HomePage() {
  return (
    <ProtectedPage ironlink={ironlink} path="/">
      <p>Welcome to the dashboard of App One.</p>
      <p>
        You are signed in on every app of the fleet: <a href={appTwoUrl}>open App Two</a>.
      </p>
    </ProtectedPage>
  );
}
