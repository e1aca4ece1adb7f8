import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERROR_CODES, type ErrorCode } from "../../src/core/errors.js";
import { ERROR_STATUS } from "../../src/http/error-status.js";

const KIND_STATUSES: Record<string, number[]> = {
  not_authorized: [401],
  permission_denied: [403],
  client_error: [400, 405, 413, 415],
  not_found: [404],
  conflict: [409],
  too_many_requests: [429],
  internal: [500, 503],
};

describe("error status table", () => {
  it("maps every error code to a status that fits its kind", () => {
    for (const [code, kind] of Object.entries(ERROR_CODES)) {
      const status = ERROR_STATUS[code as ErrorCode];
      expect(status, code).toBeTypeOf("number");
      expect(KIND_STATUSES[kind], `${code} (${kind}) -> ${status}`).toContain(status);
    }
    expect(Object.keys(ERROR_STATUS).sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it("documents every code with its status in the README", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      expect(readme, code).toMatch(new RegExp(`\\| \`${code}\` \\| ${ERROR_STATUS[code]} \\|`));
    }
  });
});
