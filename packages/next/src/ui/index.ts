/**
 * `@ironlink/next/ui`: the sign-in, registration and account pages, the layout and the pieces they are made
 * of, to use as they are (`export { LoginPage as default } from "@ironlink/next/ui"`), theme through the CSS
 * variables of `@ironlink/next/styles.css`, or replace with your own built from the components.
 */
export { AppLayout, metadata } from "./app-layout";
export { LoginPage, RegisterPage, type AuthPageProps } from "./pages/auth-pages";
export { ProtectedPage, type SignedIn } from "./pages/protected-page";
export { AccountPage } from "./pages/account-page";
export { NotFoundPage } from "./pages/not-found-page";
export { AuthForm } from "./components/auth-form";
export { PasswordChangeForm } from "./components/password-change-form";
export { SignOutButton } from "./components/sign-out-button";
export { ServiceUnavailable } from "./components/service-unavailable";
export { LiveSignOut } from "./components/live-sign-out";
