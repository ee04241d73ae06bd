import { fileFleet } from "./env";
import { describeSingleSignOn } from "./sso-flows";

// The same flows with both apps sharing one session directory (SESSION_STORE=file) instead of Redis.
describeSingleSignOn("one sign-in across both apps, through the shared-file store", fileFleet.appOne, fileFleet.appTwo);
