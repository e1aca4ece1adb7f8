/**
 * When the provider sends a person to Tessera's pages (oidc-provider's interaction policy): its
 * default prompts and checks, plus two of ours on the login prompt.
 * - `tessera_session`: the provider's session counts only while the Tessera session it was made
 *   from is live and belongs to the same person ("sessions are one thing", issue 21 item 5). A
 *   sign-out anywhere in Tessera therefore signs the person out of every client's next request.
 * - `tessera_second_factor`: `acr_values` asked for `ACR_SECOND_FACTOR` and the session has none.
 */
import type { interactionPolicy as Policy, KoaContextWithOIDC } from "oidc-provider";
import { ACR_SECOND_FACTOR, hasSecondFactor, tesseraSessionOf } from "./request-session.js";

/** The reasons our checks give (the interaction route reads them). */
export const LIVE_SESSION_REASON = "tessera_session";
export const SECOND_FACTOR_REASON = "tessera_second_factor";

/** Whether the request asked for a second factor with `acr_values`. */
export function asksSecondFactor(acrValues: unknown): boolean {
  return typeof acrValues === "string" && acrValues.split(" ").includes(ACR_SECOND_FACTOR);
}

/** The provider's interaction policy. */
export function tesseraInteractionPolicy(interactionPolicy: typeof Policy): Policy.DefaultPolicy {
  const { Check } = interactionPolicy;
  const policy = interactionPolicy.base();
  const login = policy.get("login")!;
  login.checks.add(
    new Check(
      LIVE_SESSION_REASON,
      "End-User authentication is required",
      (ctx: KoaContextWithOIDC) => {
        const tessera = tesseraSessionOf(ctx.req);
        const accountId = ctx.oidc.session?.accountId;
        if (accountId === undefined) return Check.NO_NEED_TO_PROMPT; // no_session asks already
        return tessera !== null && tessera.userId === accountId
          ? Check.NO_NEED_TO_PROMPT
          : Check.REQUEST_PROMPT;
      },
    ),
    0,
  );
  login.checks.add(
    new Check(SECOND_FACTOR_REASON, "A second factor is required", (ctx: KoaContextWithOIDC) => {
      if (!asksSecondFactor(ctx.oidc.params?.acr_values)) return Check.NO_NEED_TO_PROMPT;
      if (ctx.oidc.result?.login?.acr === ACR_SECOND_FACTOR) return Check.NO_NEED_TO_PROMPT;
      const tessera = tesseraSessionOf(ctx.req);
      return tessera !== null && hasSecondFactor(tessera.amr)
        ? Check.NO_NEED_TO_PROMPT
        : Check.REQUEST_PROMPT;
    }),
  );
  return policy;
}
