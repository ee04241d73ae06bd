import type { CSSProperties, ReactNode } from "react";
import "./styles.css";

/** What makes one app of the fleet look like itself. Everything else is shared. */
export interface AppIdentity {
  name: string;
  /** A CSS colour used for the header and buttons. */
  accent: string;
}

export function AppLayout({ app, children }: { app: AppIdentity; children: ReactNode }) {
  return (
    <html lang="en">
      <body style={{ "--accent": app.accent } as CSSProperties}>
        <header className="app-header">
          <a href="/" className="app-name">
            {app.name}
          </a>
          <span className="app-tagline">Ironlink single sign-on</span>
        </header>
        <main className="app-main">{children}</main>
      </body>
    </html>
  );
}
