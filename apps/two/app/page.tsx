import { ProtectedPage } from "@ironlink/next/ui";

const appOneUrl = process.env.APP_ONE_URL ?? "http://127.0.0.1:5000";

export default function HomePage() {
  return (
    <ProtectedPage path="/">
      <p>Here are your reports in App Two.</p>
      <p>
        One sign-in covers the whole fleet: <a href={appOneUrl}>back to App One</a>.
      </p>
    </ProtectedPage>
  );
}
