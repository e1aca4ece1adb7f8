/**
 * The software authenticator must answer like a real one, or the ceremony tests would only
 * prove that it and our checks agree. Its honest responses are verified here by
 * @simplewebauthn/server directly, without Tessera's wrappers.
 */
import { verifyAuthenticationResponse, verifyRegistrationResponse } from "@simplewebauthn/server";
import { describe, expect, it } from "vitest";
import {
  createAuthenticationOptions,
  createRegistrationOptions,
} from "../../src/core/webauthn/index.js";
import { SoftAuthenticator } from "./soft-authenticator.js";
import { ORIGIN, RP, USER } from "../core/webauthn/setup.js";

describe("SoftAuthenticator", () => {
  it("makes registrations and assertions that @simplewebauthn/server accepts on its own", async () => {
    const authenticator = new SoftAuthenticator();
    const creation = await createRegistrationOptions({
      rp: RP,
      user: USER,
      excludeCredentials: [],
    });
    const registration = await verifyRegistrationResponse({
      response: authenticator.createAttestation(creation, { origin: ORIGIN }),
      expectedChallenge: creation.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP.id,
    });
    expect(registration.verified).toBe(true);
    expect(registration.registrationInfo?.fmt).toBe("none");
    const credential = registration.registrationInfo?.credential;
    if (!credential) throw new Error("no credential");

    const request = await createAuthenticationOptions({
      rp: RP,
      allowCredentials: [{ id: credential.id }],
      userVerification: "required",
    });
    const response = authenticator.createAssertion(request, { origin: ORIGIN });
    const authentication = await verifyAuthenticationResponse({
      response,
      expectedChallenge: request.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP.id,
      credential,
    });
    expect(authentication.verified).toBe(true);
    expect(authentication.authenticationInfo.newCounter).toBe(1);
    expect(Buffer.from(response.response.userHandle ?? "", "base64url").toString()).toBe(USER.id);
  });

  it("refuses to register again when it holds an excluded credential, like a browser", async () => {
    const authenticator = new SoftAuthenticator();
    const first = await createRegistrationOptions({ rp: RP, user: USER, excludeCredentials: [] });
    const { id } = authenticator.createAttestation(first, { origin: ORIGIN });
    const second = await createRegistrationOptions({
      rp: RP,
      user: USER,
      excludeCredentials: [{ id }],
    });
    expect(() => authenticator.createAttestation(second, { origin: ORIGIN })).toThrow(
      /InvalidStateError/,
    );
    const forced = authenticator.createAttestation(second, {
      origin: ORIGIN,
      ignoreExcludeCredentials: true,
    });
    expect(forced.id).not.toBe(id);
  });

  it("uses only allowed credentials, or discoverable ones when none are listed", async () => {
    const authenticator = new SoftAuthenticator();
    const creation = await createRegistrationOptions({
      rp: RP,
      user: USER,
      excludeCredentials: [],
    });
    const hidden = authenticator.createAttestation(creation, {
      origin: ORIGIN,
      discoverable: false,
    });
    const passkey = authenticator.createAttestation(creation, { origin: ORIGIN });
    const allowHidden = await createAuthenticationOptions({
      rp: RP,
      allowCredentials: [{ id: hidden.id }],
      userVerification: "preferred",
    });
    expect(authenticator.createAssertion(allowHidden, { origin: ORIGIN }).id).toBe(hidden.id);
    const discoverable = await createAuthenticationOptions({
      rp: RP,
      allowCredentials: [],
      userVerification: "required",
    });
    expect(authenticator.createAssertion(discoverable, { origin: ORIGIN }).id).toBe(passkey.id);
    const unknown = await createAuthenticationOptions({
      rp: RP,
      allowCredentials: [{ id: "AAAAAAAAAAAAAAAAAAAAAA" }],
      userVerification: "preferred",
    });
    expect(() => authenticator.createAssertion(unknown, { origin: ORIGIN })).toThrow(
      /NotAllowedError/,
    );
  });

  it("counts up from the last counter unless a counter is given", async () => {
    const authenticator = new SoftAuthenticator();
    const creation = await createRegistrationOptions({
      rp: RP,
      user: USER,
      excludeCredentials: [],
    });
    const { id } = authenticator.createAttestation(creation, { origin: ORIGIN, counter: 5 });
    const request = await createAuthenticationOptions({
      rp: RP,
      allowCredentials: [{ id }],
      userVerification: "preferred",
    });
    const counterOf = (r: { response: { authenticatorData: string } }) =>
      Buffer.from(r.response.authenticatorData, "base64url").readUInt32BE(33);
    expect(counterOf(authenticator.createAssertion(request, { origin: ORIGIN }))).toBe(6);
    expect(counterOf(authenticator.createAssertion(request, { origin: ORIGIN, counter: 2 }))).toBe(
      2,
    );
    expect(counterOf(authenticator.createAssertion(request, { origin: ORIGIN }))).toBe(3);
    expect(authenticator.credential(id).counter).toBe(3);
  });
});
