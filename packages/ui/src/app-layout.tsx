import type { Metadata } from "next";
import type { CSSProperties, ReactNode } from "react";
import "./styles.css";

// Set per app by @ironlink/next-config: the only things that tell the apps apart.
const appName = process.env.IRONLINK_APP_NAME ?? "Ironlink";
const accent = process.env.IRONLINK_APP_ACCENT ?? "#2563eb";

export const metadata: Metadata = { title: appName };

export function AppLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body style={{ "--accent": accent } as CSSProperties}>
        <header className="app-header">
          <a href="/" className="app-name">
            {appName}
          </a>
          <span className="app-tagline">Ironlink single sign-on</span>
        </header>
        <main className="app-main">{children}</main>
      </body>
    </html>
  );
}
