import type { Metadata } from "next";
import type { ReactNode } from "react";
import { AppLayout } from "@ironlink/ui/layout";

export const metadata: Metadata = { title: "Ironlink One" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return <AppLayout app={{ name: "Ironlink One", accent: "#2563eb" }}>{children}</AppLayout>;
}
