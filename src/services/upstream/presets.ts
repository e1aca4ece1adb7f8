/**
 * The presets (issue 22 item 1): what `--preset` fills in for Google, Microsoft Entra ID and
 * GitHub. Google and Microsoft are OpenID Connect issuers found by discovery; GitHub is OAuth
 * 2.0 with its user and verified-emails API (it issues no ID token).
 */
import { ClientError } from "../../core/errors.js";
import type { UpstreamKind } from "./types.js";

export type PresetName = "google" | "microsoft" | "github";
export const PRESET_NAMES: readonly PresetName[] = ["google", "microsoft", "github"];

/** What a preset gives. */
export interface Preset {
  readonly kind: UpstreamKind;
  readonly issuer: string;
  readonly name: string;
  readonly scopes: readonly string[];
}

/** GitHub's OAuth 2.0 endpoints and API (docs.github.com, "Authorizing OAuth apps"). */
export const GITHUB_ISSUER = "https://github.com";
export const GITHUB_API = "https://api.github.com";

/**
 * The preset's settings. Microsoft needs the tenant (a directory id or domain; `organizations`
 * and `common` are multi-tenant and have no single issuer, so they are refused).
 * @throws ClientError `validation_error` for an unknown preset or a missing tenant.
 */
export function presetOf(preset: string, tenant?: string): Preset {
  switch (preset) {
    case "google":
      return {
        kind: "oidc",
        issuer: "https://accounts.google.com",
        name: "Google",
        scopes: ["openid", "email", "profile"],
      };
    case "microsoft": {
      if (tenant === undefined || !/^[A-Za-z0-9.-]{1,100}$/.test(tenant)) {
        throw new ClientError("The microsoft preset needs --tenant (the directory id or domain)", {
          code: "validation_error",
          extra: { field: "tenant" },
        });
      }
      if (["common", "organizations", "consumers"].includes(tenant.toLowerCase())) {
        throw new ClientError(
          "A multi-tenant endpoint has no single issuer to check: give your directory's tenant id",
          { code: "validation_error", extra: { field: "tenant" } },
        );
      }
      return {
        kind: "oidc",
        issuer: `https://login.microsoftonline.com/${tenant}/v2.0`,
        name: "Microsoft",
        scopes: ["openid", "email", "profile"],
      };
    }
    case "github":
      return {
        kind: "github",
        issuer: GITHUB_ISSUER,
        name: "GitHub",
        scopes: ["read:user", "user:email"],
      };
    default:
      throw new ClientError(`Unknown preset ${JSON.stringify(preset)}`, {
        code: "validation_error",
        extra: { field: "preset" },
      });
  }
}
