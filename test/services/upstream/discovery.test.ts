/**
 * The identity an upstream gives (issue 22): the ID token's claims first, userinfo's profile
 * where the ID token had no email (oidc-provider's and Okta's default), and only a literal
 * `true` verifies an address in either.
 */
import { describe, expect, it } from "vitest";
import { identityOf, withProfile } from "../../../src/services/upstream/discovery.js";

const fromIdToken = identityOf({
  iss: "https://op.example",
  sub: "s1",
  aud: "tessera",
  exp: 2,
  iat: 1,
  name: "From the token",
});

describe("an upstream identity", () => {
  it("takes the address and its verification from userinfo when the ID token has none", () => {
    expect(fromIdToken.email).toBeNull();
    const identity = withProfile(fromIdToken, {
      sub: "s1",
      email: "p@example.org",
      email_verified: true,
      name: "From userinfo",
      preferred_username: "p",
    });
    expect(identity).toMatchObject({
      subject: "s1",
      email: "p@example.org",
      emailVerified: true,
      name: "From the token",
      preferredUsername: "p",
    });
  });

  it("never counts anything but a literal true as verified", () => {
    for (const verified of ["true", 1, null, undefined, false]) {
      const identity = withProfile(fromIdToken, {
        email: "p@example.org",
        email_verified: verified,
      });
      expect(identity.emailVerified).toBe(false);
    }
    expect(withProfile(fromIdToken, { email_verified: true }).emailVerified).toBe(false);
  });
});
