/**
 * A PostgreSQL database of a bench's own, `tessera_bench_<random>`, created beside the one
 * `adminUrl` names and dropped after (`drop`, which also ends the admin connection).
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

/** The server that PostgreSQL benches use unless `BENCH_DATABASE_URL` names another. */
export const BENCH_POSTGRES_URL =
  process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface BenchDatabase {
  /** The new database's URL. */
  url: string;
  /** Drops it (forcing its connections closed). */
  drop(): Promise<void>;
}

/** Creates the database; `drop()` it when the bench ends. */
export async function createBenchPostgresDatabase(
  adminUrl: string = BENCH_POSTGRES_URL,
): Promise<BenchDatabase> {
  const name = `tessera_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    drop: async () => {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
