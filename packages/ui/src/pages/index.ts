export { LoginPage, RegisterPage, type AuthPageProps } from "./auth-pages";
export { ProtectedPage } from "./protected-page";
export { AccountPage } from "./account-page";
export { NotFoundPage } from "./not-found-page";
