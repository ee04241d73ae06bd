// Typechecked outside the workspace (tsc 5.9, nodenext, strict): every export of @ironlink/express as an app uses it.
import {
  createIronlink,
  FleetConfigError,
  FleetMismatchError,
  type Ironlink,
  type IronlinkOptions,
  SessionStoreUnavailableError,
} from "@ironlink/express";
import { createFleet } from "@ironlink/session/fleet";
import express, { type ErrorRequestHandler, type RequestHandler } from "express";

const options: IronlinkOptions = { appName: "Service", publicUrl: process.env.SERVICE_URL };
const ironlink: Ironlink = createIronlink(options);
createIronlink({ publicUrl: "http://127.0.0.1:9000", fleet: createFleet({ appName: "Service" }) });

const app = express();
const handlers: RequestHandler[] = [ironlink.session(), ironlink.checkOrigin(), ironlink.requireUser()];
app.use(...handlers);
// The types of the parts come with what the app already has: Express.User and req.session, and the methods' own.
type SignOutOptions = Parameters<Ironlink["signOut"]>[0];
type FleetUser = Express.User;
type FleetSessionData = Omit<Express.Request["session"], "save" | "destroy" | "updateConfig">;
const signOut: SignOutOptions = { everywhere: true, redirectTo: "/" };
app.post("/logout", ironlink.signOut(signOut), ironlink.signOut());
app.get("/", ironlink.requireUser(), (req, res) => {
  const user: FleetUser | undefined = req.user;
  const name: string | undefined = req.user?.username;
  const signedInAt: number | undefined = req.session.signedInAt;
  const data: Partial<FleetSessionData> = req.session;
  res.json({ user, name, signedInAt, data, login: ironlink.signInUrl("/") });
});
app.post("/save", async (req, res) => {
  req.session.signedInOn = "Service";
  await req.session.save();
  res.end();
});
const errors: ErrorRequestHandler = ironlink.handleStoreErrors();
app.use(errors);

export async function start(): Promise<void> {
  try {
    await ironlink.checkSettings();
  } catch (error) {
    if (error instanceof FleetMismatchError || error instanceof FleetConfigError) process.exit(1);
    if (error instanceof SessionStoreUnavailableError) console.warn(error.message);
  }
  const origins: string[] = ironlink.config.appOrigins;
  const url: string = ironlink.publicUrl;
  await ironlink.fleet.ping();
  app.listen(9000, () => console.log(url, origins));
  await ironlink.close();
}
