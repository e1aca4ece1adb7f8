/**
 * Seven changes to oidc-provider's models, made per provider instance (its model classes belong
 * to the instance, so nothing global changes). `oidc-provider` is pinned to an exact version in
 * package.json, and test/services/oidc/patches.test.ts fails when an upgrade stops them taking
 * effect.
 *
 * 1. A client's secret is stored as its SHA-256 digest (issue 21 item 6: never in clear), so
 *    `compareClientSecret` compares digests, in constant time. HS* algorithms and
 *    `client_secret_jwt`, which would need the secret itself, are not offered.
 * 2-3. A provider session remembers the Tessera session it was made from (`tesseraSessionId`,
 *    kept in its stored payload), set when a login completes.
 * 4. The `sid` the provider gives a client (ID tokens, logout tokens) is that Tessera session's
 *    id (issue 21 item 3), not a random value per client;
 * 5. and every ID token carries it (oidc-provider puts it only in those of clients with a
 *    back-channel logout URI).
 * 6. An interaction keeps `tesseraAuthBeforeMs` (interactions.ts): when the browser first came,
 *    how recently its Tessera session had authenticated; `prompt=login` wants a newer one.
 * 7. A provider session that was never saved is not persisted: oidc-provider's error handler
 *    re-renders the device-code page into it (a code posted without the session cookie) and
 *    then asks it to persist, which threw, and the person got a bare 500.
 */
import { randomUUID } from "node:crypto";
import type Provider from "oidc-provider";
import { tesseraSessionOf } from "./request-session.js";

/** What Tessera adds to the provider's session. */
interface TesseraProviderSession {
  tesseraSessionId?: string;
  accountId?: string;
  sidFor(clientId: string, value?: string): string | undefined;
}

/** The interaction's field of change 6. */
export const AUTH_BEFORE_FIELD = "tesseraAuthBeforeMs";

/** Applies the changes to one provider's classes. */
export function patchProviderModels(
  ProviderClass: typeof Provider,
  provider: Provider,
  secretMatches: (storedDigest: string, presented: string) => boolean,
): void {
  const client = provider.Client.prototype as unknown as {
    clientSecret?: string;
    compareClientSecret(actual: string): boolean | Promise<boolean>;
    includeSid(): boolean;
  };
  client.includeSid = () => true;
  client.compareClientSecret = function compareClientSecret(
    this: { clientSecret?: string },
    actual,
  ) {
    return typeof this.clientSecret === "string" && typeof actual === "string"
      ? secretMatches(this.clientSecret, actual)
      : false;
  };

  const Session = provider.Session as unknown as {
    IN_PAYLOAD: readonly string[];
    prototype: TesseraProviderSession & {
      exp?: number;
      loginAccount(details: Record<string, unknown>): void;
      ensureClientContainer(clientId: string): void;
      persist(): Promise<unknown>;
    };
  };
  const inPayload = [...Session.IN_PAYLOAD, "tesseraSessionId"];
  Object.defineProperty(Session, "IN_PAYLOAD", { get: () => inPayload, configurable: true });

  const loginAccount = Session.prototype.loginAccount;
  Session.prototype.loginAccount = function (this: TesseraProviderSession, details) {
    loginAccount.call(this, details);
    const tessera = tesseraSessionOf(ProviderClass.ctx?.req);
    this.tesseraSessionId =
      tessera !== null && tessera.userId === details.accountId ? tessera.sessionId : undefined;
  };

  Session.prototype.ensureClientContainer = function (this: TesseraProviderSession, clientId) {
    if (!this.sidFor(clientId)) this.sidFor(clientId, this.tesseraSessionId ?? randomUUID());
  };

  const persist = Session.prototype.persist;
  Session.prototype.persist = function (this: { exp?: number }) {
    return typeof this.exp === "number" ? persist.call(this) : Promise.resolve(undefined);
  };

  const Interaction = provider.Interaction as unknown as { IN_PAYLOAD: readonly string[] };
  const interactionPayload = [...Interaction.IN_PAYLOAD, AUTH_BEFORE_FIELD];
  Object.defineProperty(Interaction, "IN_PAYLOAD", {
    get: () => interactionPayload,
    configurable: true,
  });
}
