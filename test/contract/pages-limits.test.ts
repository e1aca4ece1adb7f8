/**
 * The pages' form fields carry the wire contract's limits: the static HTML cannot import
 * `src/contract/limits.ts`, so this test holds every `minlength`/`maxlength` to it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  MAX_NAME_LENGTH,
  MAX_OIDC_CLIENT_NAME_LENGTH,
  MAX_PASSKEY_NAME_LENGTH,
  MAX_PASSWORD_LENGTH,
  MAX_RECOVERY_CODE_LENGTH,
  MAX_TOTP_CODE_LENGTH,
  MIN_PASSWORD_LENGTH,
  MAX_PERSONAL_TOKEN_NAME_LENGTH,
  MAX_ROLE_DESCRIPTION_LENGTH,
  MAX_ROLE_NAME_LENGTH,
} from "../../src/contract/limits.js";
import { PACKAGE_ROOT } from "../helpers/web-build.js";

interface Field {
  page: string;
  id: string;
  name: string;
  minlength?: number;
  maxlength?: number;
}

const PAGES_DIR = join(PACKAGE_ROOT, "src", "web", "pages");

function fields(page: string): Field[] {
  const html = readFileSync(join(PAGES_DIR, page), "utf8");
  return [...html.matchAll(/<input\b([^>]*)>/g)].map(([, attributes = ""]) => {
    const attribute = (key: string) => new RegExp(`\\b${key}="([^"]*)"`).exec(attributes)?.[1];
    const number = (key: string) => {
      const value = attribute(key);
      return value === undefined ? undefined : Number(value);
    };
    return {
      page,
      id: attribute("id") ?? "",
      name: attribute("name") ?? "",
      minlength: number("minlength"),
      maxlength: number("maxlength"),
    };
  });
}

/** The limit of each field, by page and field name. */
function limitsOf(field: Field): { min?: number; max: number } | undefined {
  if (field.page === "account.html" && field.name === "name")
    return { max: MAX_PASSKEY_NAME_LENGTH };
  // A role the admin creates (`POST /roles`).
  if (field.id === "role-name") return { max: MAX_ROLE_NAME_LENGTH };
  if (field.id === "role-description") return { max: MAX_ROLE_DESCRIPTION_LENGTH };
  // The name of a personal access token (`POST /users/{id}/tokens`).
  if (field.name === "token_name") return { max: MAX_PERSONAL_TOKEN_NAME_LENGTH };
  // The name of an application the admin registers (`POST /applications`).
  if (field.name === "client_name") return { max: MAX_OIDC_CLIENT_NAME_LENGTH };
  // The admin's user search: the start of a name or an email (`GET /users?q=`).
  if (field.name === "name" || field.name === "email" || field.name === "q")
    return { max: MAX_NAME_LENGTH };
  // A password chosen here: the new one, the admin's initial one, the one of a sign-up.
  const chosen = field.page === "admin.html" || field.page === "signup.html";
  if (field.name === "new_password" || (field.name === "password" && chosen))
    return { min: MIN_PASSWORD_LENGTH, max: MAX_PASSWORD_LENGTH };
  if (/password/.test(field.name)) return { max: MAX_PASSWORD_LENGTH };
  if (field.name === "code" || field.name === "two_fa_code") return { max: MAX_TOTP_CODE_LENGTH };
  if (field.name === "recovery_code") return { max: MAX_RECOVERY_CODE_LENGTH };
  return undefined;
}

describe("limits of the pages' form fields", () => {
  const all = readdirSync(PAGES_DIR)
    .filter((file) => file.endsWith(".html"))
    .flatMap(fields);

  it("finds the fields it checks", () => {
    expect(all.filter((field) => field.maxlength !== undefined).length).toBeGreaterThanOrEqual(14);
  });

  it.each(all.filter((field) => field.maxlength !== undefined || field.minlength !== undefined))(
    "$page #$id carries the contract's limits",
    (field) => {
      const limits = limitsOf(field);
      expect(limits, `no contract limit known for ${field.name}`).toBeDefined();
      expect(field.maxlength).toBe(limits?.max);
      expect(field.minlength).toBe(limits?.min);
    },
  );
});
