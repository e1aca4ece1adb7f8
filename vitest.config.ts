import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup/fast-check.ts"],
    // Argon2 and real databases make some tests slow on a shared 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // PostgreSQL and Redis suites use their own schemas and key prefixes, so files may run in parallel.
    pool: "forks",
  },
});
