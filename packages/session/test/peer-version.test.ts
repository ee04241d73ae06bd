/**
 * Which iron-session the suite runs with: the workspace's 8, or (scripts/node-matrix.mjs on Node 22+) the
 * 9 that IRONLINK_IRON_SESSION_ENTRY points at, standing in as the library's peer. IRONLINK_IRON_SESSION_MAJOR
 * says which one the runner meant, so a peer swap that did not happen fails here instead of passing unnoticed.
 */
import * as ironSession from "iron-session";
import { expect, test } from "vitest";

const expectedMajor = Number(process.env.IRONLINK_IRON_SESSION_MAJOR ?? "8");

test(`the suite's iron-session is version ${expectedMajor}`, () => {
  // iron-session 9 added the cookie jars to its exports; 8 has only getIronSession, sealData and unsealData.
  expect("nodeCookies" in ironSession && "webCookies" in ironSession).toBe(expectedMajor >= 9);
  expect(typeof ironSession.unsealData).toBe("function");
});
