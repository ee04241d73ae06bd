// Every public entry of @ironlink/next, as an app's TypeScript sees it (tsc 5.9, nodenext, strict).
import { createIronlink, type Ironlink, type IronlinkOptions } from "@ironlink/next";

import { ironlinkNextConfig } from "@ironlink/next/config";
import { AccountPage, AppLayout, AuthForm, LiveSignOut, LoginPage, NotFoundPage, ProtectedPage, RegisterPage, SignOutButton, type AuthPageProps } from "@ironlink/next/ui";
import { ErrorPage } from "@ironlink/next/ui/error-page";
import type { NextConfig } from "next";
import type { NextRequest, NextResponse } from "next/server.js";

type User = Ironlink.User;
type VerifyCredentials = Ironlink.VerifyCredentials;
type Viewer = Ironlink.Viewer;

const verifyCredentials: VerifyCredentials = async ({ username, password }) =>
  password === "a long enough passphrase" ? { id: username.toLowerCase(), username } : null;
const options: IronlinkOptions = { verifyCredentials, registration: false, hostsSignIn: false, publicUrl: "http://127.0.0.1:3000" };
const ironlink: Ironlink = createIronlink(options);

export const { GET, POST, OPTIONS } = ironlink.handlers;
export async function whoIsAsking(): Promise<string> {
  const viewer: Viewer = await ironlink.getViewer();
  const user: User = await ironlink.requireUser("/reports");
  return viewer.status === "signed-in" ? viewer.user.username : user.username;
}
export const config: NextConfig = ironlinkNextConfig({ name: "Reports", accent: "#9333ea" });
export const edge: (request: NextRequest) => NextResponse = ironlink.proxy;
// What an app's "use server" file exports: the kit's forms, run on this instance.
export async function submitForm(...form: Parameters<typeof ironlink.submitForm>) {
  return ironlink.submitForm(...form);
}
export const loginPage = LoginPage({ ironlink, submitForm, searchParams: Promise.resolve({ next: "/reports" }) });
export const accountPage = AccountPage({ ironlink, submitForm });
// @ts-expect-error: the kit's pages need the app's instance and its server action
RegisterPage({ searchParams: Promise.resolve({}) });
// @ts-expect-error: a form's name is one of the kit's forms
void submitForm("deleteEverything", {}, new FormData());
export const pieces = [AccountPage, AppLayout, AuthForm, LiveSignOut, LoginPage, NotFoundPage, ProtectedPage, RegisterPage, SignOutButton, ErrorPage];
export const props: AuthPageProps = { searchParams: Promise.resolve({}) };
export const session: Promise<Ironlink.Session> = ironlink.getCurrentSession();
export const fields: Ironlink.AppFields<{ theme: string }> = { theme: "dark" };
// Were the kit's types lost (a declaration that does not resolve under nodenext), these would not be errors.
// @ts-expect-error: the proxy takes a NextRequest
ironlink.proxy("not a request");
// @ts-expect-error: createIronlink has no such option
createIronlink({ registrations: true });

// The app's own session fields, typed by createIronlink<AppData>() (optional on read, as iron-session's).
type Theme = "light" | "dark";
const themed = createIronlink<{ theme: Theme }>();
export async function applyTheme(): Promise<Theme> {
  const session = await themed.getCurrentSession();
  const theme: Theme | undefined = session.theme;
  const username: string | undefined = session.user?.username; // the fleet's fields are still there
  const saved = await themed.action(async (own, user) => {
    own.theme = "dark";
    await own.save();
    return `${user.username}: ${own.theme}`;
  });
  return saved.ok && username ? "dark" : (theme ?? "light");
}
export const typedIronlink: Ironlink<{ theme: Theme }> = themed;
export async function wrongFieldTypes(): Promise<void> {
  const session = await themed.getCurrentSession();
  // @ts-expect-error: theme is "light" | "dark", not any string
  session.theme = "neon";
  // @ts-expect-error: a field the app did not declare
  session.colour = "blue";
}
// @ts-expect-error: the fleet's own fields (user, signedInAt, …) cannot be redefined by an app
createIronlink<{ user: string }>();
