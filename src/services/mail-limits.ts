/**
 * Caps on the mails a stranger can make Tessera send (issue 12): sign-ups and "send the
 * verification link again", counted per address (or per account name) in the abuse limits'
 * store, so every instance shares them (Redis, else the database). A cap is reserved before
 * anything is checked, whether or not the account exists, so a 429 tells nothing about it.
 */
import { InternalError, TooManyRequestsError } from "../core/errors.js";
import type { WindowPolicy } from "../core/rate-limit.js";
import { normalizeIdentifier } from "../store/index.js";
import type { ServiceContext } from "./context.js";
import { createMemoryRateLimitStore, type RateLimitStore } from "./rate-limit/index.js";

const HOUR_MS = 60 * 60_000;

/** Sign-ups per address: 3 an hour (a person who mistyped the name tries again). */
export const SIGNUP_PER_ADDRESS_POLICY: Readonly<WindowPolicy> = Object.freeze({
  kind: "window",
  maxFailures: 3,
  windowMs: HOUR_MS,
});

/** "Send the link again" per account name or address: 3 an hour. */
export const RESEND_VERIFICATION_POLICY: Readonly<WindowPolicy> = Object.freeze({
  kind: "window",
  maxFailures: 3,
  windowMs: HOUR_MS,
});

/** Which cap. */
export type MailLimit = "signup" | "resend_verification";

const POLICIES: Readonly<Record<MailLimit, WindowPolicy>> = {
  signup: SIGNUP_PER_ADDRESS_POLICY,
  resend_verification: RESEND_VERIFICATION_POLICY,
};

let processStore: RateLimitStore | undefined;

/**
 * Counts one mail for `identifier` (an address or a name, folded as identifiers are) under
 * `limit`. @throws TooManyRequestsError once the cap is reached (Retry-After: the window's
 * end); InternalError `service_unavailable` when the store cannot answer (fail closed).
 */
export async function reserveMail(
  ctx: ServiceContext,
  limit: MailLimit,
  identifier: string,
): Promise<void> {
  const store = ctx.rateLimitStore ?? (processStore ??= createMemoryRateLimitStore());
  const key = `mail:${limit}:${normalizeIdentifier(identifier)}`;
  const nowMs = ctx.clock();
  let result;
  try {
    result = await store.reserve([{ key, policy: POLICIES[limit] }], nowMs);
  } catch (error) {
    throw new InternalError("Rate limit store unavailable", {
      code: "service_unavailable",
      cause: error,
    });
  }
  if (!result.allowed) {
    throw new TooManyRequestsError(
      (result.lockedUntilMs - nowMs) / 1000,
      "Too many mails asked for this address, try again later",
    );
  }
}
