/** Passkeys as the login's second factor, after the password (see `services/login.ts`). */
import { isTesseraError } from "../../core/errors.js";
import {
  DEFAULT_CHALLENGE_TIMEOUT_MS,
  createAuthenticationOptions,
  parseAuthenticationResponse,
  type RelyingParty,
} from "../../core/webauthn/index.js";
import type { ChallengeStore } from "../../store/challenge-store.js";
import {
  countWebauthnCredentials,
  getWebauthnCredentialById,
  listWebauthnCredentials,
} from "../../store/index.js";
import type { SecondFactorProvider } from "../login.js";
import {
  CHALLENGE_PURPOSES,
  challengeInvalid,
  verifyAssertion,
  type PasskeyDependencies,
} from "./shared.js";

/** Passkeys as the login's second factor (see `login`). */
export function createPasskeySecondFactor(
  rp: RelyingParty,
  challenges: ChallengeStore,
): SecondFactorProvider {
  const deps: PasskeyDependencies = { rp, challenges };
  return {
    isConfigured: async (ctx, user) => (await countWebauthnCredentials(ctx.db, user.id)) > 0,
    async challenge(ctx, user) {
      const credentials = await listWebauthnCredentials(ctx.db, user.id);
      const options = await createAuthenticationOptions({
        rp,
        allowCredentials: credentials.map((c) => ({ id: c.id, transports: c.transports })),
        userVerification: "preferred",
      });
      await challenges.put(
        { userId: user.id, purpose: CHALLENGE_PURPOSES.secondFactor, challenge: options.challenge },
        DEFAULT_CHALLENGE_TIMEOUT_MS,
        ctx.clock(),
      );
      return { webauthn_options: options };
    },
    async verify(ctx, user, json, meta) {
      const response = parseAuthenticationResponse(json); // the one parse of this ceremony
      const stored = await challenges.consume(
        response.challenge,
        CHALLENGE_PURPOSES.secondFactor,
        ctx.clock(),
      );
      if (stored === undefined || stored.userId !== user.id) throw challengeInvalid();
      const credential = await getWebauthnCredentialById(ctx.db, response.id);
      // A credential of another user is no second factor for this one.
      if (credential === undefined || credential.userId !== user.id) return false;
      try {
        await verifyAssertion(ctx, deps, credential, response, false, meta);
      } catch (error) {
        if (isTesseraError(error) && error.code === "webauthn_verification_failed") return false;
        throw error;
      }
      return true;
    },
  };
}
