import type { Metadata } from "next";
import type { ReactNode } from "react";
import { AppLayout } from "@ironlink/ui/layout";

export const metadata: Metadata = { title: "Ironlink Two" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return <AppLayout app={{ name: "Ironlink Two", accent: "#059669" }}>{children}</AppLayout>;
}
