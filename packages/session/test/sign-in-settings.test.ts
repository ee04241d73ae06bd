import { describe, expect, it } from "vitest";
import { readFleetConfig as readConfig } from "../src/fleet/config";

const secret = "s".repeat(32);

describe("readConfig", () => {
  it("the fleet settings and the sign-in limits per username and address, username, address", () => {
    expect(readConfig({ SESSION_PASSWORD: secret })).toMatchObject({
      rateLimit: {
        perUsernameAndAddress: 5,
        perUsername: 20,
        perAddress: 20,
        registrationsPerAddress: 10,
        signInsPerUsernameAndAddress: 20,
        signInsPerUsername: 60,
        window: 900,
      },
    });
    const budgets = readConfig({ SESSION_PASSWORD: secret, RATE_LIMIT_SIGN_INS_PER_USERNAME_AND_ADDRESS: "50", RATE_LIMIT_SIGN_INS_PER_USERNAME: "200" });
    expect(budgets.rateLimit).toMatchObject({ signInsPerUsernameAndAddress: 50, signInsPerUsername: 200, perUsernameAndAddress: 5 });
    expect(() => readConfig({ SESSION_PASSWORD: secret, RATE_LIMIT_SIGN_INS_PER_USERNAME: "0" })).toThrow(/RATE_LIMIT_SIGN_INS_PER_USERNAME/);
    const raised = readConfig({ SESSION_PASSWORD: secret, RATE_LIMIT_PER_ADDRESS: "1000", RATE_LIMIT_REGISTRATIONS_PER_ADDRESS: "3", RATE_LIMIT_PER_USERNAME_AND_ADDRESS: "7" });
    expect(raised.rateLimit).toMatchObject({ perAddress: 1000, registrationsPerAddress: 3, perUsernameAndAddress: 7, perUsername: 20 });
    expect(() => readConfig({ SESSION_PASSWORD: secret, RATE_LIMIT_PER_USERNAME: "0" })).toThrow(/RATE_LIMIT_PER_USERNAME/);
    expect(() => readConfig({ SESSION_PASSWORD: secret, RATE_LIMIT_REGISTRATIONS_PER_ADDRESS: "x" })).toThrow(/RATE_LIMIT_REGISTRATIONS_PER_ADDRESS/);
  });

});
