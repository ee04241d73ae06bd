"use client";
import { useActionState } from "react";
import { type Theme, type ThemeFormState, themes } from "../../lib/preferences";
import { saveTheme } from "./actions";

/** Picks the theme App One shows; the server action saves it into the shared session. */
export function ThemeForm({ current, appOneUrl }: { current: Theme; appOneUrl: string }) {
  const [state, formAction, pending] = useActionState<ThemeFormState, FormData>(saveTheme, {});
  return (
    <form action={formAction} className="theme-form" aria-busy={pending}>
      <fieldset>
        <legend>Theme of App One</legend>
        {themes.map((theme) => (
          <label key={theme}>
            <input type="radio" name="theme" value={theme} defaultChecked={theme === current} /> {theme}
          </label>
        ))}
      </fieldset>
      {state.error && (
        <p role="alert" className="form-message">
          {state.error}
        </p>
      )}
      {state.saved && (
        <p role="status" className="form-success">
          Saved: <a href={appOneUrl}>App One</a> now shows the {state.saved} theme.
        </p>
      )}
      <button type="submit" disabled={pending}>
        Save theme
      </button>
    </form>
  );
}
