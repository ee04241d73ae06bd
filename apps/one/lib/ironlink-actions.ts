"use server";
import { ironlink } from "./ironlink";

/** The kit's forms (sign in, create an account, change the password, end a session), run on this app's instance. */
export async function submitForm(...form: Parameters<typeof ironlink.submitForm>) {
  return ironlink.submitForm(...form);
}
