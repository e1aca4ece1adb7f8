/**
 * Prometheus metrics (prom-client), one registry per running Tessera so several in one process
 * (tests, host apps) never mix. Labels are closed sets (route patterns, methods, statuses,
 * results, factors, limits): never a user name, address, id or token. The names and labels are
 * listed in the README's Metrics section; the HTTP side is `src/http/metrics.ts`.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** How a sign-in attempt ended, from the answer's status and error code. */
export type SignInResult =
  | "success"
  | "invalid_credentials"
  | "two_fa_required"
  | "invalid_two_fa_code"
  | "throttled"
  | "locked"
  | "password_change_required"
  | "rejected"
  | "error";

/** How a mail attempt ended: sent, failed (tried again later), or given up after the last. */
export type MailResult = "sent" | "retry" | "failed";

/** The factor a sign-in attempt presented. */
export type SignInFactor = "password" | "totp" | "webauthn" | "passkey" | "recovery";

/** Request duration buckets, seconds: a cached GET is a millisecond, a sign-in ~50–500 ms. */
const DURATION_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Connections of a database pool (PostgreSQL), or null (SQLite has one connection). */
export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

/** The metrics of one Tessera. */
export interface TesseraMetrics {
  readonly registry: Registry;
  /** One answered HTTP request. `route` is the route pattern or "unmatched". */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  signIn(result: SignInResult, factor: SignInFactor): void;
  /** A request refused by a rate limit (429), by route pattern. */
  rateLimited(route: string): void;
  databaseError(): void;
  redisError(): void;
  /** A mail attempt (issue 12): sent, failed and to be retried, or given up. */
  mail(result: MailResult): void;
  /** Reads the pool on every scrape. */
  watchPool(stats: () => PoolStats | null): void;
}

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** Makes a registry with Tessera's metrics and the process metrics (`collectDefaultMetrics`). */
export function createMetrics(): TesseraMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: "tessera_http_requests_total",
    help: "HTTP requests answered, by method, route pattern and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const durations = new Histogram({
    name: "tessera_http_request_duration_seconds",
    help: "Time to answer an HTTP request, by method, route pattern and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: DURATION_BUCKETS_SECONDS,
    registers: [registry],
  });
  const signIns = new Counter({
    name: "tessera_sign_ins_total",
    help: "Sign-in attempts by result and factor presented",
    labelNames: ["result", "factor"] as const,
    registers: [registry],
  });
  const refusals = new Counter({
    name: "tessera_rate_limit_refusals_total",
    help: "Requests refused by a rate limit (429), by route pattern",
    labelNames: ["route"] as const,
    registers: [registry],
  });
  const databaseErrors = new Counter({
    name: "tessera_database_errors_total",
    help: "Failed database queries and broken pool connections",
    registers: [registry],
  });
  const redisErrors = new Counter({
    name: "tessera_redis_errors_total",
    help: "Redis connection and command errors",
    registers: [registry],
  });
  const mails = new Counter({
    name: "tessera_mail_total",
    help: "Mail attempts by result: sent, retry (failed, tried again later), failed (given up)",
    labelNames: ["result"] as const,
    registers: [registry],
  });
  let poolStats: () => PoolStats | null = () => null;
  new Gauge({
    name: "tessera_database_pool_connections",
    help: "PostgreSQL pool connections by state (total, idle, waiting clients); absent on SQLite",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      const stats = poolStats();
      this.reset();
      if (stats === null) return;
      this.set({ state: "total" }, stats.total);
      this.set({ state: "idle" }, stats.idle);
      this.set({ state: "waiting" }, stats.waiting);
    },
  });

  return {
    registry,
    observeRequest(method, route, status, seconds) {
      const labels = {
        method: METHODS.has(method) ? method : "OTHER",
        route,
        status: String(status),
      };
      requests.inc(labels);
      durations.observe(labels, seconds);
    },
    signIn: (result, factor) => signIns.inc({ result, factor }),
    rateLimited: (route) => refusals.inc({ route }),
    databaseError: () => databaseErrors.inc(),
    redisError: () => redisErrors.inc(),
    mail: (result) => mails.inc({ result }),
    watchPool(stats) {
      poolStats = stats;
    },
  };
}
