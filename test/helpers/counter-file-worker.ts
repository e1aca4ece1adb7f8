/**
 * A second process on the counter file (`tsx counter-file-worker.ts PATH COUNT NOW_MS`):
 * reserves COUNT attempts on the key `shared`, as another instance on the same SQLite file would.
 */
import { openCounterFile } from "../../src/store/rate-limit/index.js";

const [path, count, nowMs] = process.argv.slice(2);
const file = openCounterFile(path as string);
try {
  for (let i = 0; i < Number(count); i += 1) {
    await file.store.reserve(
      [{ key: "shared", policy: { kind: "window", maxFailures: 1_000_000, windowMs: 3_600_000 } }],
      Number(nowMs),
    );
  }
} finally {
  file.close();
}
