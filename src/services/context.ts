/**
 * What every service needs: the database, the resolved configuration, the clock and the
 * abuse limits. Built once by the HTTP plugin (or by a host app) and passed to each flow.
 */
import type { Kysely } from "kysely";
import type { Clock } from "../core/clock.js";
import type { Argon2Options } from "../core/password.js";
import type { JwtKeyRing } from "../core/jwt.js";
import type { Database } from "../store/index.js";
import type { LoginThrottle } from "./rate-limit/index.js";

/** The settings the flows read (a subset of `TesseraConfig`, so host apps can pass their own). */
export interface ServiceSettings {
  readonly appName: string;
  readonly argon2: Readonly<Argon2Options>;
  readonly jwtKeys: JwtKeyRing;
  readonly jwtValidityHours: number;
  readonly totpWindow: number;
}

export interface ServiceContext {
  readonly db: Kysely<Database>;
  readonly settings: ServiceSettings;
  readonly clock: Clock;
  readonly throttle: LoginThrottle;
}

/** Who is asking, for the audit log and the per-address limits. */
export interface RequestMeta {
  readonly ip: string;
  readonly userAgent: string | null;
}

/** The acting user of a request. */
export interface Actor {
  readonly id: string;
  readonly isAdmin: boolean;
}
