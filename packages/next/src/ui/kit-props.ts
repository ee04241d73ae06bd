import type { AuthFormState } from "../form-state";
import type { FormName } from "../forms";
import type { ResolvedOptions } from "../options";

/**
 * What the kit's pages need of the app: its instance (`ironlink` from lib/ironlink.ts), for the options it
 * was created with, and its server action (`submitForm` from lib/ironlink-actions.ts), which the forms run.
 */
export interface KitProps {
  ironlink: { readonly options: ResolvedOptions };
  submitForm: (form: FormName, state: AuthFormState, data: FormData) => Promise<AuthFormState>;
}
