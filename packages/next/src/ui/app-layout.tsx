import type { Metadata } from "next";
import type { ReactNode } from "react";
import { appIdentity } from "../app-identity";
import { requestNonce } from "../request-nonce";
import { LiveSignOut } from "./components/live-sign-out";

// Set per app by ironlinkNextConfig (next.config.ts): the only things that tell the apps apart.
const { name: appName, accent } = appIdentity;

export const metadata: Metadata = { title: appName };

export async function AppLayout({ children }: { children: ReactNode }) {
  // The accent is a rule of a nonced <style>, not a style attribute: the Content-Security-Policy allows
  // inline styles only with the page's nonce, and an attribute cannot carry one.
  const nonce = await requestNonce();
  return (
    <html lang="en">
      {/* biome-ignore lint/style/noHeadElement: next/head is for the Pages Router; an App Router root layout renders <head> itself. */}
      <head>
        <style nonce={nonce}>{`body{--accent:${accent}}`}</style>
      </head>
      <body>
        <header className="app-header">
          <a href="/" className="app-name">
            {appName}
          </a>
          <span className="app-tagline">Ironlink single sign-on</span>
        </header>
        <main className="app-main">{children}</main>
        {/* Every signed-in page hears of its session's end (a sign-out on any app, any device), not only ProtectedPage. */}
        <LiveSignOut />
      </body>
    </html>
  );
}
