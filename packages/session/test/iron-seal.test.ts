import { sealData, unsealData } from "iron-session";
import { describe, expect, test } from "vitest";
import { opensV1Form, sealIron, unsealIron } from "../src/iron-seal";

const password = "a-password-of-at-least-thirty-two-characters";
const rotated = { 1: "the-old-password-of-at-least-thirty-two-chars", 2: password };
const data = { user: { id: "u-1", name: "Zoë ✓ 日本" }, list: [1, 2.5, null, false], nested: { deep: { empty: {} } } };

/** A seal's eight parts, with iron-session's "~2" taken off the last. */
const partsOf = (seal: string) => seal.replace(/~2$/, "").split("*");

describe("unsealIron: iron-session's unsealData, synchronously", () => {
  test("opens iron-session's own seals, and answers what iron-session answers for every variant", async () => {
    const genuine = await sealData(data, { password: rotated, ttl: 3600 });
    const token = genuine.replace(/~2$/, "");
    const v1 = await sealData({ persistent: data, other: 1 }, { password, ttl: 3600 });
    const parts = partsOf(genuine);
    const variants = [
      genuine,
      token, // iron-session 8's v1 form: the token alone opens to its `persistent` part (9: to the data)
      v1.replace(/~2$/, ""),
      sealIron(data, rotated, -120), // expired, past the minute of clock skew
      sealIron(data, rotated, -30), // expired, within it
      sealIron(data, { 7: password }, 3600), // a password id this map lacks
      // Another HMAC: its first character changed (the last one's low bits are unused by base64url, and
      // iron-webcrypto 2, under iron-session 9, compares the decoded bytes).
      [...parts.slice(0, 7), `${parts[7]?.startsWith("A") ? "B" : "A"}${parts[7]?.slice(1)}`].join("*"),
      [...parts.slice(0, 4), `${parts[4]?.slice(0, -2)}AA`, ...parts.slice(5)].join("*"), // other ciphertext
      parts.slice(0, 7).join("*"), // seven parts
      sealIron(5, rotated, 3600), // not an object
    ];
    for (const seal of variants) {
      expect(unsealIron(seal, rotated), seal.slice(0, 40)).toEqual(await unsealData(seal, { password: rotated }));
    }
    expect(unsealIron(genuine, rotated)).toEqual(data);
    // iron-session 8 opens the token alone as its v1 form (the `persistent` part); 9 ignores the marker.
    expect(unsealIron(token, rotated)).toEqual(opensV1Form ? {} : data);
    expect(unsealIron(v1.replace(/~2$/, ""), { 1: password })).toEqual(opensV1Form ? data : { persistent: data, other: 1 });
  });
});

describe("sealIron: iron-session's sealData, synchronously", () => {
  test("iron-session's unsealData opens it, with one password or the newest of a rotation map", async () => {
    expect(await unsealData(sealIron(data, { 1: password }, 3600), { password })).toEqual(data);
    const sealed = sealIron(data, rotated, 3600);
    expect(partsOf(sealed)[1]).toBe("2");
    expect(await unsealData(sealed, { password: rotated })).toEqual(data);
    expect(await unsealData(sealed, { password: { 2: password } })).toEqual(data);
  });

  test("has the shape of iron-session's own seal, part by part", async () => {
    const ours = partsOf(sealIron(data, { 1: password }, 3600));
    const theirs = partsOf(await sealData(data, { password, ttl: 3600 }));
    expect(ours.length).toBe(8);
    expect(ours.map((part) => part.length)).toEqual(theirs.map((part) => part.length));
    expect(ours[0]).toBe("Fe26.2");
    expect(ours[2]).toMatch(/^[0-9a-f]{64}$/); // the encryption salt
    expect(ours[6]).toMatch(/^[0-9a-f]{64}$/); // the HMAC's salt
    expect(ours[3]).toMatch(/^[\w-]{22}$/); // the IV, base64url without padding
    expect(Math.abs(Number(ours[5]) - Number(theirs[5]))).toBeLessThan(1000); // the same expiration
    expect(sealIron(data, { 1: password }, 3600).endsWith("~2")).toBe(true);
  });

  test("ttl 0 writes no expiration, as iron does, and still opens", async () => {
    const sealed = sealIron(data, { 1: password }, 0);
    expect(partsOf(sealed)[5]).toBe("");
    expect(await unsealData(sealed, { password, ttl: 0 })).toEqual(data);
  });

  test("opens for no other password, and not once tampered with", async () => {
    const sealed = sealIron(data, { 1: password }, 3600);
    expect(await unsealData(sealed, { password: "another-password-of-at-least-32-characters" })).toEqual({});
    const parts = partsOf(sealed);
    // Another ciphertext: one of its characters changed (never a no-op, as writing "AA" over an ending "AA" was).
    const encrypted = parts[4] ?? "";
    parts[4] = `${encrypted.slice(0, 5)}${encrypted[5] === "A" ? "B" : "A"}${encrypted.slice(6)}`;
    expect(await unsealData(`${parts.join("*")}~2`, { password })).toEqual({});
  });

  test("every seal is new: fresh salts and IV each time", () => {
    const [a, b] = [sealIron(data, { 1: password }, 60), sealIron(data, { 1: password }, 60)].map(partsOf);
    expect(a?.[2]).not.toBe(b?.[2]);
    expect(a?.[3]).not.toBe(b?.[3]);
    expect(a?.[6]).not.toBe(b?.[6]);
  });
});
