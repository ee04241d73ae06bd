"use server";
import { ironlink } from "../../lib/ironlink";
import { isTheme, type ThemeFormState, themes } from "../../lib/preferences";

/**
 * Saves the theme into the fleet's shared session. ironlink.action() makes the checks of every kit action
 * first: the request's origin is one of APP_ORIGINS (CSRF), someone is signed in, the store answers.
 */
export async function saveTheme(_previous: ThemeFormState, form: FormData): Promise<ThemeFormState> {
  const result = await ironlink.action(async (session): Promise<ThemeFormState> => {
    const theme = form.get("theme");
    if (!isTheme(theme)) return { error: `Choose one of the themes: ${themes.join(" or ")}.` };
    session.theme = theme; // typed: "light" | "dark"
    await session.save(); // the one session of the fleet, in the store: App One reads it on its next request
    return { saved: theme };
  });
  return result.ok ? result.value : { error: result.message };
}
