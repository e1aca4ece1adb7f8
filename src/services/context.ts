/**
 * What every service needs: the database, the resolved settings, the clock and the abuse
 * limits. The running parts the composition root (`createTessera` in `src/runtime.ts`) hands to
 * the HTTP layer, the CLI and host apps are `Tessera`, in `src/http/tessera.ts`.
 */
import type { Clock } from "../core/clock.js";
import type { Argon2Options } from "../core/password.js";
import type { JwtKeyRing } from "../core/jwt/index.js";
import type { DatabaseHandle } from "../store/index.js";
import type { RelyingParty } from "../core/webauthn/index.js";
import type { ChallengeStore } from "../store/challenges/index.js";
import type { HashGate } from "./abuse/hash-gate.js";
import type { ProofOfWork } from "./abuse/proof-of-work.js";
import type { BreachedPasswordsSettings } from "./abuse/breached-passwords.js";
import type { LoginThrottle } from "./abuse/rate-limit/index.js";
import type { SessionCache, SessionEvent } from "./session-cache.js";

/**
 * The settings the flows read: a subset of `TesseraConfig`, complete (every default is applied
 * where the configuration is resolved, `src/config/`, never at a place of use).
 */
export interface ServiceSettings {
  readonly appName: string;
  /**
   * The language of pages, mails and error texts for a person without a saved choice whose
   * request names none Tessera offers (`TESSERA_DEFAULT_LOCALE`, issue 24 item 3).
   */
  readonly defaultLocale: string;
  /**
   * The URL people reach the server at, without a trailing slash: every link in a mail. Always
   * set by the configuration; a context made by hand without it sends no invitation mail.
   */
  readonly publicUrl?: string;
  readonly argon2: Readonly<Argon2Options>;
  readonly jwtKeys: JwtKeyRing;
  readonly jwtValidityHours: number;
  readonly totpWindow: number;
  /** A session unused this long ends (`TESSERA_SESSION_IDLE_MINUTES`). */
  readonly sessionIdleMinutes: number;
  /** Ended and expired session records are kept this long (`TESSERA_SESSION_RETENTION_DAYS`). */
  readonly sessionRetentionDays: number;
  /** "seed" puts `name` and `email` back into session tokens. */
  readonly tokenClaims: "minimal" | "seed";
  /** "refuse" refuses tokens the seed issued (no `sid`). */
  readonly legacyTokens: "accept" | "refuse";
  /** Least zxcvbn score of a new password (0 to 4). */
  readonly passwordMinScore: number;
  /** The optional online breach check; null when off. */
  readonly breachedPasswords: BreachedPasswordsSettings | null;
  /** Who must have a second factor (`TESSERA_REQUIRE_2FA`). */
  readonly requireTwoFa: "off" | "admins" | "all";
  /** Sensitive actions need an authentication this recent (`TESSERA_REAUTHENTICATION_MINUTES`). */
  readonly reauthenticationMinutes: number;
  /** `TESSERA_REQUIRE_VERIFIED_EMAIL`: no sign-in before the address is verified. */
  readonly requireVerifiedEmail: boolean;
  /** `TESSERA_SIGNUP`: "open" lets anyone create an account. */
  readonly signup: "off" | "open";
  /**
   * `TESSERA_USER_DIRECTORY` (issue 25): `off`, `GET /users` is for admins only; `search`,
   * signed-in users may look people up by the start of a name.
   */
  readonly userDirectory: "off" | "search";
  /** `TESSERA_ACCESS_TOKEN_MAX_DAYS`: the longest a personal access token may live (issue 23). */
  readonly accessTokenMaxDays: number;
  /** `TESSERA_ACCESS_TOKEN_REQUESTS_PER_MINUTE`: per token, per instance. */
  readonly accessTokenRequestsPerMinute: number;
}

/** What the flows see of the queue (`ctx.mail`): a nudge, and work after the answer. */
export interface MailQueue {
  /** Look for due mail now instead of at the next poll (after a commit that queued some). */
  wake(): void;
  /**
   * Runs `task` after the caller answers (forgot-password does the same work whether or not
   * the account exists, off the response path). `close()` waits for it; errors are logged.
   */
  defer(task: () => Promise<void>): void;
}

export interface ServiceContext {
  readonly db: DatabaseHandle;
  readonly settings: ServiceSettings;
  readonly clock: Clock;
  readonly throttle: LoginThrottle;
  /** The per-process session cache (`createTessera` makes it); absent: every request reads. */
  readonly sessionCache?: SessionCache;
  /** Bounds the password hashing of sign-ins (issue 14 item 3); none: unbounded. */
  readonly hashGate?: HashGate;
  /**
   * The proof of work asked of new devices while the gate is under pressure (issue 20 item 5,
   * `TESSERA_PROOF_OF_WORK`); absent: none is asked.
   */
  readonly proofOfWork?: ProofOfWork;
  /** The mail worker (issue 12), to wake after queueing; absent: mail waits for a worker. */
  readonly mail?: MailQueue;
  /**
   * Told of every announced session change, on the instance that made it, after its commit
   * (the OpenID provider ends its sessions and sends back-channel logout tokens). It must not
   * throw nor wait: it runs its work after the answer.
   */
  readonly sessionsChanged?: (event: SessionEvent) => void;
}

/** What the passkey flows need besides the services context. */
export interface PasskeyDependencies {
  rp: RelyingParty;
  challenges: ChallengeStore;
}

/** Who is asking, for the audit log and the per-address limits. */
export interface RequestMeta {
  readonly ip: string;
  readonly userAgent: string | null;
  /** The device cookie the request carried (`device-cookie.ts`), unverified. */
  readonly deviceToken?: string | null;
  /** The signed-in session making the request, if any (security notices name it). */
  readonly sessionId?: string | null;
  /**
   * The request's language (its Accept-Language among the shipped ones), or null: the mails it
   * causes go out in it to a recipient without a saved language (issue 24 item 3).
   */
  readonly locale?: string | null;
}

/** The acting user of a request. */
export interface Actor {
  readonly id: string;
  readonly isAdmin: boolean;
}
