import { ProtectedPage } from "@ironlink/next/ui";
import { ironlink } from "../lib/ironlink";
import { ThemeForm } from "./preferences/theme-form";

const appOneUrl = process.env.APP_ONE_URL ?? "http://127.0.0.1:5000";

export default function HomePage() {
  return (
    <ProtectedPage ironlink={ironlink} path="/">
      {async () => {
        // This app's own field of the shared session (typed by createIronlink<Preferences>()).
        const { theme } = await ironlink.getCurrentSession();
        return (
          <>
            <p>Here are your reports in App Two.</p>
            <p>
              One sign-in covers the whole fleet: <a href={appOneUrl}>back to App One</a>.
            </p>
            <ThemeForm current={theme ?? "light"} appOneUrl={appOneUrl} />
          </>
        );
      }}
    </ProtectedPage>
  );
}
