/** Passkeys as the login's second factor, after the password (see `services/sign-in/login.ts`). */
import { parseAuthenticationResponse, type RelyingParty } from "../../core/webauthn/index.js";
import type { ChallengeStore } from "../../store/challenges/index.js";
import { countWebauthnCredentials, listWebauthnCredentials } from "../../store/index.js";
import type { SecondFactorProvider } from "./login.js";
import {
  CHALLENGE_PURPOSES,
  startUserAssertion,
  verifyUserAssertion,
  type PasskeyDependencies,
} from "../factors/passkeys/shared.js";

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
      return {
        webauthn_options: await startUserAssertion(
          ctx,
          deps,
          user.id,
          credentials,
          CHALLENGE_PURPOSES.secondFactor,
        ),
      };
    },
    async verify(ctx, user, json, meta) {
      const response = parseAuthenticationResponse(json); // the one parse of this ceremony
      return verifyUserAssertion(
        ctx,
        deps,
        user.id,
        response,
        CHALLENGE_PURPOSES.secondFactor,
        meta,
      );
    },
  };
}
