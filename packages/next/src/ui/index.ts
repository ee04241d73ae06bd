/**
 * `@ironlink/next/ui`: the sign-in, registration and account pages, the layout and the pieces an app's own
 * pages use (a protected page's frame, the sign-in form, the sign-out button). The pages take the app's
 * instance and its server action as props (`<LoginPage ironlink={ironlink} submitForm={submitForm} …/>`);
 * theme them through the CSS variables of `@ironlink/next/styles.css`.
 */
export { AppLayout, metadata } from "./app-layout";
export { LoginPage, RegisterPage, type AuthPageProps } from "./pages/auth-pages";
export { ProtectedPage } from "./pages/protected-page";
export { AccountPage } from "./pages/account-page";
export { NotFoundPage } from "./pages/not-found-page";
export { AuthForm } from "./components/auth-form";
export { SignOutButton } from "./components/sign-out-button";
export { LiveSignOut } from "./components/live-sign-out";
