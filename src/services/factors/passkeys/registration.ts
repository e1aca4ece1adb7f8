/**
 * Adding a passkey: only the signed-in user, for themself (the authenticator is in their hands;
 * not even an admin for someone else).
 */
import {
  DEFAULT_CHALLENGE_TIMEOUT_MS,
  createRegistrationOptions,
  parseRegistrationResponse,
  verifyRegistration,
  type PublicKeyCredentialCreationOptionsJSON,
} from "../../../core/webauthn/index.js";
import { MAX_PASSKEYS_PER_USER } from "../../../contract/index.js";
import { ConflictError } from "../../../core/errors.js";
import { addWebauthnCredential, listWebauthnCredentials } from "../../../store/index.js";
import { loadTarget, type ActingUser, type LoadTargetOptions } from "../../access.js";
import { audit } from "../../audit/audit.js";
import { announceSessionChange } from "../../sessions/sessions.js";
import { notifySecurityEvent } from "../../mail/notices.js";
import type { RequestMeta, ServiceContext } from "../../context.js";
import {
  CHALLENGE_PURPOSES,
  challengeInvalid,
  toPasskeyView,
  type PasskeyDependencies,
  type PasskeyView,
} from "./shared.js";

const SELF_ONLY = {
  access: "self",
  deniedMessage: "Only users themselves may add passkeys",
} as const satisfies LoadTargetOptions;

/** Creation options for a new passkey of the signed-in user (existing ones excluded). */
export async function startPasskeyRegistration(
  ctx: ServiceContext,
  deps: PasskeyDependencies,
  actor: ActingUser,
  targetId: string,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const user = await loadTarget(ctx, actor, targetId, SELF_ONLY);
  const existing = await listWebauthnCredentials(ctx.db, user.id);
  // Refused before the ceremony, not after the user touched their authenticator (the store
  // holds the cap again when the passkey is added).
  if (existing.length >= MAX_PASSKEYS_PER_USER) {
    throw new ConflictError(
      `A user may have at most ${MAX_PASSKEYS_PER_USER} passkeys: remove one first`,
      { extra: { max: MAX_PASSKEYS_PER_USER } },
    );
  }
  const options = await createRegistrationOptions({
    rp: deps.rp,
    user: { id: user.id, name: user.name, displayName: user.name },
    excludeCredentials: existing.map((c) => ({ id: c.id, transports: c.transports })),
  });
  await deps.challenges.put(
    { userId: user.id, purpose: CHALLENGE_PURPOSES.register, challenge: options.challenge },
    DEFAULT_CHALLENGE_TIMEOUT_MS,
    ctx.clock(),
  );
  return options;
}

/**
 * Verifies the authenticator's answer and stores the passkey. The response is parsed once; a
 * malformed one is refused before its challenge is looked up.
 * @throws ClientError (`webauthn_*`), ConflictError (credential already registered), PermissionDeniedError.
 */
export async function finishPasskeyRegistration(
  ctx: ServiceContext,
  deps: PasskeyDependencies,
  actor: ActingUser,
  targetId: string,
  input: { response: unknown; name: string },
  meta: RequestMeta,
): Promise<PasskeyView> {
  const user = await loadTarget(ctx, actor, targetId, SELF_ONLY);
  const response = parseRegistrationResponse(input.response);
  const stored = await deps.challenges.consume(
    response.challenge,
    CHALLENGE_PURPOSES.register,
    ctx.clock(),
  );
  if (stored === undefined || stored.userId !== user.id) throw challengeInvalid();
  const registered = await verifyRegistration({
    rp: deps.rp,
    response,
    expectedChallenge: response.challenge,
  });
  const credential = await addWebauthnCredential(
    ctx.db,
    {
      id: registered.id,
      userId: user.id,
      publicKey: registered.publicKey,
      counter: registered.counter,
      transports: [...registered.transports],
      name: input.name,
      deviceType: registered.deviceType,
      backedUp: registered.backedUp,
    },
    ctx.clock(),
  );
  // The middleware's view of the user (second factor owed or not) is cached.
  await announceSessionChange(ctx, { kind: "user", userId: user.id });
  await audit(ctx, "passkey_added", {
    userId: user.id,
    meta,
    detail: { credential_id: credential.id },
  });
  await notifySecurityEvent(ctx, user, "passkey_added", { meta, sessionId: meta.sessionId });
  return toPasskeyView(credential);
}
