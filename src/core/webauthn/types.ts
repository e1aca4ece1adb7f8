/**
 * Types of the WebAuthn ceremonies. The JSON option and response shapes are
 * @simplewebauthn/server's (W3C WebAuthn Level 3 §5.1 `*JSON` dictionaries), re-exported so
 * callers need not import the library.
 */
import type {
  AuthenticationResponseJSON,
  CredentialDeviceType,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";
import type { KNOWN_TRANSPORTS } from "./constants.js";

export type {
  AuthenticationResponseJSON,
  CredentialDeviceType,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
};

/** A transport a client reported for a credential (§5.8.4), e.g. `"internal"`, `"usb"`. */
export type AuthenticatorTransport = (typeof KNOWN_TRANSPORTS)[number];

/** The relying party: this server as WebAuthn sees it. */
export interface RelyingParty {
  /** RP ID (§5.4.2, a registrable domain suffix of the origins), e.g. `"localhost"`. */
  readonly id: string;
  /** Human-palatable name shown by the authenticator (§5.4.1). */
  readonly name: string;
  /** Exact origins the ceremonies may run on, e.g. `["https://app.example.com"]` (§13.4.9). */
  readonly origins: readonly string[];
}

/** A credential named in `excludeCredentials` or `allowCredentials` (§5.8.3). */
export interface CredentialDescriptor {
  /** Credential id, base64url. */
  readonly id: string;
  /** Transports stored at registration; unknown values are dropped. */
  readonly transports?: readonly string[] | undefined;
}

/** Input of `createRegistrationOptions`. */
export interface RegistrationOptionsInput {
  readonly rp: RelyingParty;
  readonly user: {
    /** Tessera's user id; its UTF-8 bytes (1..64) become the WebAuthn user handle. */
    readonly id: string;
    /** Account name shown by the authenticator, e.g. the user name or email. */
    readonly name: string;
    /** Defaults to `name`. */
    readonly displayName?: string | undefined;
  };
  /** The user's existing credentials, so an authenticator is not registered twice (§5.4). */
  readonly excludeCredentials: readonly CredentialDescriptor[];
  /** Defaults to `DEFAULT_CHALLENGE_TIMEOUT_MS`. */
  readonly timeoutMs?: number | undefined;
  /**
   * The account's only way in (a passkey-first account): a discoverable credential and user
   * verification are required, not preferred (§5.4.6, §5.8.6). Default false.
   */
  readonly passwordless?: boolean | undefined;
}

/** Input of `verifyRegistration`. */
export interface VerifyRegistrationOptions {
  readonly rp: RelyingParty;
  /**
   * The result of `parseRegistrationResponse`, or the registration response JSON exactly as the
   * client sent it (untrusted; then it is parsed here).
   */
  readonly response: unknown;
  /** The `challenge` of the options this ceremony was started with (base64url). */
  readonly expectedChallenge: string;
  /** Refuse a credential created without user verification. Default `false` (UV "preferred"). */
  readonly requireUserVerification?: boolean | undefined;
}

/** What to store for a newly registered credential (§7.1 step 27). */
export interface RegisteredCredential {
  /** Credential id, base64url without padding. */
  readonly id: string;
  /** COSE_Key public key (§6.5.1.1). */
  readonly publicKey: Uint8Array;
  /** Signature counter at creation (§6.1.1). */
  readonly counter: number;
  /** Known transports the client reported, deduplicated. */
  readonly transports: AuthenticatorTransport[];
  /** `"multiDevice"` when backup eligible (BE flag, §6.1.3), else `"singleDevice"`. */
  readonly deviceType: CredentialDeviceType;
  /** Backup state (BS flag, §6.1.3). */
  readonly backedUp: boolean;
  /** Whether the user was verified at creation (UV flag; store as `uvInitialized`). */
  readonly userVerified: boolean;
  /** Authenticator model (AAGUID, §6.5.1); all zeros with "none" attestation from most clients. */
  readonly aaguid: string;
}

/** Input of `createAuthenticationOptions`. */
export interface AuthenticationOptionsInput {
  readonly rp: RelyingParty;
  /** The user's credentials; empty for a passwordless (discoverable credential) login. */
  readonly allowCredentials: readonly CredentialDescriptor[];
  /** §5.8.6. Use "required" for passwordless login, "preferred" or "discouraged" for 2FA. */
  readonly userVerification: "required" | "preferred" | "discouraged";
  /** Defaults to `DEFAULT_CHALLENGE_TIMEOUT_MS`. */
  readonly timeoutMs?: number | undefined;
}

/** A stored credential, as `verifyAuthentication` needs it. */
export interface StoredCredential {
  /** Credential id, base64url. */
  readonly id: string;
  /** COSE_Key public key stored at registration. */
  readonly publicKey: Uint8Array;
  /** Last stored signature counter. */
  readonly counter: number;
  readonly transports?: readonly string[] | undefined;
  /** The BE flag stored at registration; when given it must not change (§7.2 step 19). */
  readonly backupEligible?: boolean | undefined;
}

/** Input of `verifyAuthentication`. */
export interface VerifyAuthenticationOptions {
  readonly rp: RelyingParty;
  /**
   * The result of `parseAuthenticationResponse`, or the authentication response JSON exactly as
   * the client sent it (untrusted; then it is parsed here).
   */
  readonly response: unknown;
  /** The `challenge` of the options this ceremony was started with (base64url). */
  readonly expectedChallenge: string;
  /** The credential the response names (look it up with `readAssertionCredentialId`). */
  readonly credential: StoredCredential;
  /**
   * The id of the user who owns `credential`. When the response carries a user handle it must
   * be this user's (§7.2 step 6). Omit only when the caller checks it itself.
   */
  readonly expectedUserId?: string | undefined;
  /** Refuse an assertion without user verification (UV flag, §7.2 step 17). */
  readonly requireUserVerification: boolean;
}

/** The outcome of a verified assertion: store `newCounter` (and `backedUp`) (§7.2 step 24). */
export interface AuthenticationResult {
  readonly newCounter: number;
  readonly userVerified: boolean;
  readonly deviceType: CredentialDeviceType;
  readonly backedUp: boolean;
}

/** What an assertion says about itself before it is verified. */
export interface AssertionIdentity {
  /** Credential id, base64url. */
  readonly credentialId: string;
  /** The user handle decoded back to the user id given at registration; `null` when absent. */
  readonly userId: string | null;
}
