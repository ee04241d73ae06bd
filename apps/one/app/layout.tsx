// The shared shell; the app's name and colour come from next.config.ts, the theme from the session.
import "@ironlink/next/styles.css";
import "./theme.css";
import type { ReactNode } from "react";
import { AppLayout } from "@ironlink/next/ui";
import { currentTheme } from "../lib/preferences";

export { metadata } from "@ironlink/next/ui";

/** Every page of App One wears the theme the person picked on App Two: `theme-light` or `theme-dark` on <html>. */
export default async function Layout({ children }: { children: ReactNode }) {
  return <AppLayout className={`theme-${await currentTheme()}`}>{children}</AppLayout>;
}
