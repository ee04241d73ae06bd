import { currentTheme } from "../lib/preferences";

/**
 * Marks every page of App One with the theme the person picked on App Two (theme.css styles the page from
 * it). A marker beside the page, not a wrapper around it: a wrapper that waits for the store held back the
 * page's error boundary, whose script Next then loaded without the CSP nonce.
 */
export async function ThemeMark() {
  return <div hidden className={`theme-mark theme-${await currentTheme()}`} />;
}
