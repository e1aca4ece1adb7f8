/**
 * The abuse limits of login and of the second factor (server issue: "failed logins limited per
 * account and per client address, wrong TOTP codes per user, 429 with Retry-After"; issue 14:
 * limits that cannot be raced, no lock-out of a victim from afar).
 *
 * Counters, each under its own key namespace in one store:
 * - `account:<key>|<address bucket>`: the fast, progressive lock per account AND client network.
 *   The HTTP layer passes the user's id, or `unknown:<normalised name>` when no user matches, so
 *   an unknown name is throttled exactly like a known one (no enumeration, catalog LG-06).
 *   Keyed with the address so that failures sent from elsewhere never lock the victim out from
 *   their own network (issue 14 item 2).
 * - `ceiling:<key>`: a slower per-account window against guessing spread over many addresses.
 * - `device:<key>|<device id>`: the progressive lock of one browser that proved, with a device
 *   cookie, that it signed in to this account before (OWASP "Slow Down Online Guessing Attacks
 *   with Device Cookies"): its attempts count and are refused only here, so a distributed
 *   attack that trips the ceiling does not block it.
 * - `address:<bucket>`: failed attempts per client network (see `normalizeClientAddress`),
 *   a generous fixed window, so one office behind one address is not locked out.
 * - `totp:<user id>`: wrong second-factor codes per user, progressive like the account.
 * - `mail:<key>|<address bucket>`, `mail-ceiling:<key>` and `mail-address:<bucket>`: requests
 *   that send a mail to an account (forgot password, issue 12), every request counted:
 *   progressive per account and network like a login, a window per account, one per network. Their own keys, so asking for reset links
 *   never locks anyone's sign-in.
 * - `mail:<cap>:<address or name>`: mails a stranger can make Tessera send to an address
 *   (`MailCap`: sign-ups, "send the verification link again"), a window each. Reserved before
 *   anything is checked, whether or not the account exists, so a 429 tells nothing about it.
 *
 * The services RESERVE an attempt before checking the password or code (`reserve*`): one atomic
 * step refuses while any counter is locked and otherwise counts the attempt as a failure on
 * each, so 100 parallel guesses cannot all slip through a check-then-act gap (issue 14 item 1).
 * A right password gives the attempt back (`releaseLoginAttempt`, then `recordLoginSuccess`).
 * A refused attempt is never counted, so hammering a locked account does not extend its lock;
 * no Argon2 work is done while locked (catalog LG-08). `assert*` and `record*` are the
 * non-reserving read and write, for tools and tests. A store that cannot answer fails closed
 * with a 503 (catalog MI-02), never skipping the limit.
 */
import { SECOND_MS, systemClock, type Clock } from "../../../core/clock.js";
import { InternalError, TooManyRequestsError } from "../../../core/errors.js";
import { normalizeIdentifier } from "../../../store/index.js";
import { normalizeClientAddress } from "./client-address.js";
import {
  assertValidPolicy,
  type FailurePolicy,
  type FailureRecord,
} from "../../../core/rate-limit.js";
import type { RateLimitEntry, RateLimitStore } from "../../../store/rate-limit/index.js";
import {
  DEFAULT_ACCOUNT_POLICY,
  DEFAULT_ADDRESS_POLICY,
  DEFAULT_ACCOUNT_CEILING_POLICY,
  DEFAULT_TOTP_POLICY,
  DEFAULT_EMAIL_ACCOUNT_POLICY,
  DEFAULT_EMAIL_CEILING_POLICY,
  DEFAULT_EMAIL_ADDRESS_POLICY,
  USER_SEARCH_POLICY,
  MAIL_CAP_POLICIES,
  type MailCap,
} from "./policies.js";

/** The detail of every login and second-factor 429: it never says which limit was hit. */
export const TOO_MANY_ATTEMPTS_DETAIL = "Too many failed attempts, try again later";

/** The detail of a mail cap's 429 (the same whether or not the account exists). */
const TOO_MANY_MAILS_DETAIL = "Too many mails asked for this address, try again later";

export interface LoginThrottleOptions {
  /** Where the counters live: `createMemoryRateLimitStore()` or the Redis store. */
  store: RateLimitStore;
  /** Default `systemClock`. */
  clock?: Clock;
  /** Default `DEFAULT_ACCOUNT_POLICY`. */
  accountPolicy?: FailurePolicy;
  /** Default `DEFAULT_ADDRESS_POLICY`. */
  addressPolicy?: FailurePolicy;
  /** Default `DEFAULT_ACCOUNT_CEILING_POLICY`. */
  ceilingPolicy?: FailurePolicy;
  /** Default `DEFAULT_TOTP_POLICY`. */
  totpPolicy?: FailurePolicy;
}

/** The inputs of a password login attempt. */
export interface LoginAttempt {
  /** The user's id, or `unknown:<normalised name>` when no user matches. */
  accountKey: string;
  /** The client address as the HTTP layer resolved it (trusted proxies only). */
  address: string;
  /**
   * The device id of a valid device cookie for this very account (see `device-cookie.ts`), or
   * null/absent. With one, only that device's own failures can refuse the attempt.
   */
  deviceId?: string | null;
}

/** An attempt counted in advance: hand it back with `releaseLoginAttempt` when it succeeds. */
export interface LoginReservation {
  readonly attempt: LoginAttempt;
  readonly entries: readonly RateLimitEntry[];
}

/** The abuse limits the login, password and TOTP flows call. */
export interface LoginThrottle {
  /**
   * Counts the attempt as a failure in advance, atomically with the lock check (issue 14
   * item 1). Call it before verifying the password or the passkey; on a right answer call
   * `releaseLoginAttempt`. A refused attempt is not counted.
   * @throws TooManyRequestsError with the remaining wait (whole seconds, rounded up);
   *   InternalError `service_unavailable` when the store cannot answer.
   */
  reserveLoginAttempt(input: LoginAttempt): Promise<LoginReservation>;
  /**
   * Gives a reserved attempt back: the password was right (a second factor may still follow,
   * which reserves again). @throws InternalError `service_unavailable`.
   */
  releaseLoginAttempt(reservation: LoginReservation): Promise<void>;
  /**
   * Counts a second-factor attempt in advance for the user (see `reserveLoginAttempt`); a
   * correct code calls `recordTotpSuccess`.
   * @throws TooManyRequestsError; InternalError `service_unavailable`.
   */
  reserveTotpAttempt(userId: string): Promise<void>;
  /**
   * Refuses an attempt while the account or the address is locked, without counting it (tools
   * and tests; the flows reserve). Reads only: a refused attempt does not count.
   * @throws TooManyRequestsError with the longer remaining wait (whole seconds, rounded up);
   *   InternalError `service_unavailable` when the store cannot answer.
   */
  assertLoginAllowed(input: LoginAttempt): Promise<void>;
  /**
   * Counts a failed login (wrong password, unknown user, wrong second factor) for the account
   * and the address. @throws InternalError `service_unavailable` when the store cannot answer.
   */
  recordLoginFailure(input: LoginAttempt): Promise<void>;
  /**
   * Forgets the account's failures from this address (and this device) after a successful
   * login; the address's and the ceiling's stay. With the attempt's `reservation`, also gives
   * it back (`releaseLoginAttempt`) in the same atomic step: one commit instead of several.
   * @throws InternalError `service_unavailable` when the store cannot answer.
   */
  recordLoginSuccess(input: LoginAttempt, reservation?: LoginReservation): Promise<void>;
  /**
   * Refuses a second-factor code while the user's TOTP counter is locked.
   * @throws TooManyRequestsError; InternalError `service_unavailable`.
   */
  assertTotpAllowed(userId: string): Promise<void>;
  /** Counts a wrong second-factor code. @throws InternalError `service_unavailable`. */
  recordTotpFailure(userId: string): Promise<void>;
  /** Forgets the user's wrong codes after a correct one. @throws InternalError `service_unavailable`. */
  recordTotpSuccess(userId: string): Promise<void>;
  /**
   * Counts a request that mails an account (`accountKey` as for a login: the user's id or
   * `unknown:<name>`), refusing while its counters are locked (issue 12).
   * @throws TooManyRequestsError; InternalError `service_unavailable`.
   */
  reserveEmailRequest(input: { accountKey: string; address: string }): Promise<void>;
  /**
   * Counts one mail for `identifier` (an address or an account name, folded as identifiers
   * are) under the cap `cap`, refusing once it is reached (Retry-After: the window's end).
   * @throws TooManyRequestsError; InternalError `service_unavailable`.
   */
  reserveMailCap(cap: MailCap, identifier: string): Promise<void>;
  /**
   * Counts one people-picker search of a user (`USER_SEARCH_POLICY`, key `user-search:<id>`),
   * refusing once the window's count is reached.
   * @throws TooManyRequestsError; InternalError `service_unavailable`.
   */
  reserveUserSearch(userId: string): Promise<void>;
}

/** The store key of the fast lock of an account from one client network. */
export function accountThrottleKey(accountKey: string, address: string): string {
  return `account:${accountKey}|${normalizeClientAddress(address)}`;
}

/** The store key of the per-account ceiling (every address together). */
export function ceilingThrottleKey(accountKey: string): string {
  return `ceiling:${accountKey}`;
}

/** The store key of one trusted browser's lock for an account. */
export function deviceThrottleKey(accountKey: string, deviceId: string): string {
  return `device:${accountKey}|${deviceId}`;
}

/** The store key of an address counter (the address's /64 or IPv4 bucket). */
export function addressThrottleKey(address: string): string {
  return `address:${normalizeClientAddress(address)}`;
}

/** The store key of a user's second-factor counter. */
export function totpThrottleKey(userId: string): string {
  return `totp:${userId}`;
}

/**
 * Makes the login and TOTP throttle over one store.
 * @throws TypeError at start-up when a policy is invalid.
 */
export function createLoginThrottle(options: LoginThrottleOptions): LoginThrottle {
  const { store } = options;
  const clock = options.clock ?? systemClock;
  const accountPolicy = options.accountPolicy ?? DEFAULT_ACCOUNT_POLICY;
  const addressPolicy = options.addressPolicy ?? DEFAULT_ADDRESS_POLICY;
  const ceilingPolicy = options.ceilingPolicy ?? DEFAULT_ACCOUNT_CEILING_POLICY;
  const totpPolicy = options.totpPolicy ?? DEFAULT_TOTP_POLICY;
  assertValidPolicy(accountPolicy, "accountPolicy");
  assertValidPolicy(addressPolicy, "addressPolicy");
  assertValidPolicy(ceilingPolicy, "ceilingPolicy");
  assertValidPolicy(totpPolicy, "totpPolicy");

  // Fail closed: a store outage becomes a 503, never a skipped limit.
  async function guarded<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw new InternalError("Rate limit store unavailable", {
        code: "service_unavailable",
        cause: error,
      });
    }
  }

  /** The counters one login attempt is held to (see the file comment). */
  function loginEntries({ accountKey, address, deviceId }: LoginAttempt): RateLimitEntry[] {
    if (deviceId !== undefined && deviceId !== null) {
      return [{ key: deviceThrottleKey(accountKey, deviceId), policy: accountPolicy }];
    }
    return [
      { key: accountThrottleKey(accountKey, address), policy: accountPolicy },
      { key: ceilingThrottleKey(accountKey), policy: ceilingPolicy },
      { key: addressThrottleKey(address), policy: addressPolicy },
    ];
  }

  async function reserve(
    entries: readonly RateLimitEntry[],
    detail = TOO_MANY_ATTEMPTS_DETAIL,
  ): Promise<void> {
    const nowMs = clock();
    const result = await guarded(() => store.reserve(entries, nowMs));
    if (!result.allowed) {
      throw new TooManyRequestsError((result.lockedUntilMs - nowMs) / SECOND_MS, detail);
    }
  }

  async function assertUnlocked(keys: readonly string[]): Promise<void> {
    const nowMs = clock();
    const records = await guarded(() => Promise.all(keys.map((key) => store.get(key, nowMs))));
    const lockedUntilMs = Math.max(
      0,
      ...records.map((r: FailureRecord | null) => r?.lockedUntilMs ?? 0),
    );
    if (lockedUntilMs > nowMs) {
      throw new TooManyRequestsError((lockedUntilMs - nowMs) / SECOND_MS, TOO_MANY_ATTEMPTS_DETAIL);
    }
  }

  return {
    async reserveLoginAttempt(attempt) {
      const entries = loginEntries(attempt);
      await reserve(entries);
      return { attempt, entries };
    },

    async releaseLoginAttempt({ entries }) {
      const nowMs = clock();
      // One step (one commit) where the store can: a right password gives back every counter.
      await guarded(async () => {
        if (store.settle !== undefined) return store.settle(entries, [], nowMs);
        await Promise.all(entries.map(({ key, policy }) => store.release(key, policy, nowMs)));
      });
    },

    async reserveTotpAttempt(userId) {
      await reserve([{ key: totpThrottleKey(userId), policy: totpPolicy }]);
    },

    async assertLoginAllowed(attempt) {
      await assertUnlocked(loginEntries(attempt).map(({ key }) => key));
    },

    async recordLoginFailure(attempt) {
      const nowMs = clock();
      await guarded(() =>
        Promise.all(
          loginEntries(attempt).map(({ key, policy }) => store.recordFailure(key, policy, nowMs)),
        ),
      );
    },

    async recordLoginSuccess(attempt, reservation) {
      // The fast lock of this network (or this device); the ceiling and the address keep theirs.
      const [own] = loginEntries(attempt);
      const resets = own === undefined ? [] : [own.key];
      // Released then reset is reset: only the other counters are given back.
      const releases = (reservation?.entries ?? []).filter(({ key }) => !resets.includes(key));
      const nowMs = clock();
      await guarded(async () => {
        if (store.settle !== undefined) return store.settle(releases, resets, nowMs);
        await Promise.all([
          ...releases.map(({ key, policy }) => store.release(key, policy, nowMs)),
          ...resets.map((key) => store.reset(key)),
        ]);
      });
    },

    async assertTotpAllowed(userId) {
      await assertUnlocked([totpThrottleKey(userId)]);
    },

    async recordTotpFailure(userId) {
      await guarded(() => store.recordFailure(totpThrottleKey(userId), totpPolicy, clock()));
    },

    async recordTotpSuccess(userId) {
      await guarded(() => store.reset(totpThrottleKey(userId)));
    },

    async reserveEmailRequest({ accountKey, address }) {
      const bucket = normalizeClientAddress(address);
      await reserve([
        { key: `mail:${accountKey}|${bucket}`, policy: DEFAULT_EMAIL_ACCOUNT_POLICY },
        { key: `mail-ceiling:${accountKey}`, policy: DEFAULT_EMAIL_CEILING_POLICY },
        { key: `mail-address:${bucket}`, policy: DEFAULT_EMAIL_ADDRESS_POLICY },
      ]);
    },

    async reserveMailCap(cap, identifier) {
      await reserve(
        [{ key: `mail:${cap}:${normalizeIdentifier(identifier)}`, policy: MAIL_CAP_POLICIES[cap] }],
        TOO_MANY_MAILS_DETAIL,
      );
    },

    async reserveUserSearch(userId) {
      await reserve(
        [{ key: `user-search:${userId}`, policy: USER_SEARCH_POLICY }],
        "Too many searches, try again later",
      );
    },
  };
}
