// App Two's own data in the fleet's shared session, the project's seed (one app writes
// `request.session["usr"]`, another reads it): the theme a person picks here, which App One applies.

/** The themes one may pick: anything else is refused, since every app of the fleet applies what it reads. */
export const themes = ["light", "dark"] as const;
export type Theme = (typeof themes)[number];

/** The session fields this app adds to the fleet's own: `createIronlink<Preferences>()` types them. */
export interface Preferences {
  theme: Theme;
}

export function isTheme(value: unknown): value is Theme {
  return themes.some((theme) => theme === value);
}

/** What the theme form shows after a save. */
export interface ThemeFormState {
  saved?: Theme;
  error?: string;
}
