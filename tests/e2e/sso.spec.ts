import { appOne, appTwo } from "./fixtures";
import { describeSingleSignOn } from "./sso-flows";

describeSingleSignOn("one sign-in across both apps", appOne, appTwo);
