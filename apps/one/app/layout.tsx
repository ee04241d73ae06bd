// The shared shell; the app's name and colour come from next.config.ts, the theme from the session.
import "@ironlink/next/styles.css";
import "./theme.css";
import type { ReactNode } from "react";
import { AppLayout } from "@ironlink/next/ui";
import { ThemeMark } from "./theme-mark";

export { metadata } from "@ironlink/next/ui";

export default function Layout({ children }: { children: ReactNode }) {
  return (
    <AppLayout>
      <ThemeMark />
      {children}
    </AppLayout>
  );
}
