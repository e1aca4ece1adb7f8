import { describe, expect, it } from "vitest";
import { createJwtKeyRing } from "../../../src/core/jwt/index.js";
import {
  issueDeviceToken,
  verifyDeviceToken,
} from "../../../src/services/sign-in/device-cookie.js";

const keys = createJwtKeyRing("a device-cookie test secret of enough length");
const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Every other spelling of the token's last character: the same bits but the unused ones, or others. */
function lastCharacterVariants(token: string): string[] {
  const last = token.at(-1)!;
  return [...BASE64URL].filter((c) => c !== last).map((c) => token.slice(0, -1) + c);
}

describe("device tokens", () => {
  it("verifies for the user it was issued to, and no one else", () => {
    const token = issueDeviceToken(keys, "user-1");
    expect(verifyDeviceToken(keys, token, "user-1")).toMatch(/^[\w-]{22}$/);
    expect(verifyDeviceToken(keys, token, "user-2")).toBeNull();
  });

  it("refuses every other last character of the MAC, the unused bits included", () => {
    // Sixty tokens make it all but certain that the MACs end in characters of every kind.
    for (let i = 0; i < 60; i++) {
      const token = issueDeviceToken(keys, "user-1");
      for (const variant of lastCharacterVariants(token)) {
        expect(verifyDeviceToken(keys, variant, "user-1")).toBeNull();
      }
    }
  });

  it("refuses a second spelling of the user id and a token from another secret", () => {
    const token = issueDeviceToken(keys, "u");
    const [user, device, mac] = token.split(".") as [string, string, string];
    expect(user).toBe("dQ");
    expect(verifyDeviceToken(keys, `dR.${device}.${mac}`, "u")).toBeNull();
    const other = createJwtKeyRing("another secret, of enough length as well");
    expect(verifyDeviceToken(other, token, "u")).toBeNull();
  });

  it("refuses malformed input without throwing", () => {
    for (const bad of [null, undefined, "", "a.b", "a.b.c.d", "x".repeat(513), "dQ..", "dQ.!.!"]) {
      expect(verifyDeviceToken(keys, bad, "u")).toBeNull();
    }
  });
});
