/**
 * What an operator may register as an OpenID Connect client, checked, and the provider's
 * snake_case client metadata it becomes (oidc-provider's `clients` format; its own schema,
 * `lib/helpers/client_schema.js`, accepts everything this builds). Pure: no database.
 *
 * Redirect URIs (and post-logout redirect URIs) are absolute, without a fragment (RFC 6749
 * §3.1.2) or credentials, and either https, or http on a loopback host (RFC 8252 §7.3:
 * `localhost`, `127.0.0.1`, `[::1]`), or, for a public client only, a private-use scheme
 * named after a reversed domain (RFC 8252 §7.1: `com.example.app:/cb`). A client with a
 * private-use URI is a native app (`application_type: "native"`), for which the provider
 * refuses https on a loopback host (a claimed https URI names a real domain).
 */
import {
  MAX_OIDC_CLIENT_NAME_LENGTH,
  MAX_OIDC_CLIENT_URI_LENGTH,
  MAX_OIDC_CLIENT_URIS,
} from "../../contract/limits.js";
import { ClientError } from "../../core/errors.js";
import { findForbiddenCharacter } from "../../core/identifier-characters.js";

/** The client metadata flag of a first-party client (it skips consent; `extraClientMetadata`). */
export const FIRST_PARTY = "tessera_first_party";

/** The grants a client may have. */
export const OIDC_GRANTS = [
  "authorization_code",
  "refresh_token",
  "client_credentials",
  "urn:ietf:params:oauth:grant-type:device_code",
] as const;

/** One of `OIDC_GRANTS`. */
export type OidcGrant = (typeof OIDC_GRANTS)[number];

/** The grants of a client registered without `grants`. */
export const DEFAULT_OIDC_GRANTS: readonly OidcGrant[] = ["authorization_code", "refresh_token"];

/** Longest client name, in characters (code points); the wire's limit. */
export const MAX_CLIENT_NAME_LENGTH = MAX_OIDC_CLIENT_NAME_LENGTH;
/** Longest URI, in characters. */
export const MAX_CLIENT_URI_LENGTH = MAX_OIDC_CLIENT_URI_LENGTH;
/** Most URIs in one list (redirect or post-logout redirect). */
export const MAX_CLIENT_URIS = MAX_OIDC_CLIENT_URIS;

/** The signature algorithm of the ID tokens every client gets. */
export const ID_TOKEN_SIGNING_ALGORITHM = "RS256";

/** Hosts an http URI may name (RFC 8252 §7.3 and §8.3), as `URL.hostname` spells them. */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** A private-use scheme (RFC 8252 §7.1): a reversed domain name, so it holds a dot. */
const PRIVATE_USE_SCHEME = /^[a-z][a-z0-9+-]*(?:\.[a-z0-9+-]+)+:$/;

/** What an operator gives to register a client. */
export interface OidcClientInput {
  name: string;
  redirectUris?: readonly string[];
  /** A public client (a native or browser app) has no secret: it authenticates with PKCE. */
  public?: boolean;
  /** A first-party client is Tessera's own operator's app (the provider may skip consent). */
  firstParty?: boolean;
  postLogoutRedirectUris?: readonly string[];
  backchannelLogoutUri?: string;
  /** Default `DEFAULT_OIDC_GRANTS`. */
  grants?: readonly string[];
}

/** A checked registration: the stored name and flags, and the metadata without the id. */
export interface CheckedOidcClient {
  name: string;
  public: boolean;
  firstParty: boolean;
  grants: OidcGrant[];
  /** The metadata to store once `client_id` is added (`oidcClientMetadata`). */
  metadata: Omit<OidcClientMetadataObject, "client_id">;
}

/**
 * The provider's client metadata as Tessera writes it (a type, not an interface: it is a
 * `Record<string, unknown>` to the store).
 */
export type OidcClientMetadataObject = {
  client_id: string;
  client_name: string;
  application_type: "web" | "native";
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  grant_types: OidcGrant[];
  response_types: string[];
  token_endpoint_auth_method: "none" | "client_secret_basic";
  id_token_signed_response_alg: string;
  backchannel_logout_uri?: string;
  backchannel_logout_session_required?: boolean;
};

/** A 400 `validation_error` naming the metadata field at fault. */
function invalid(field: string, detail: string): ClientError {
  return new ClientError(detail, { code: "validation_error", extra: { field } });
}

/** How one URI was read. */
interface CheckedUri {
  uri: string;
  privateUse: boolean;
  httpsLoopback: boolean;
}

/** Checks one URI of `field`; a private-use scheme only where `privateUse` allows it. */
function checkUri(
  field: string,
  value: unknown,
  privateUse: "allowed" | "public only" | "never",
): CheckedUri {
  if (typeof value !== "string" || value === "") throw invalid(field, `${field}: give a URI`);
  const shown = JSON.stringify(value.slice(0, 200));
  if (value.length > MAX_CLIENT_URI_LENGTH) {
    throw invalid(field, `${field}: a URI is at most ${MAX_CLIENT_URI_LENGTH} characters`);
  }
  // The URL parser would drop surrounding spaces and tabs; the provider compares the string.
  if (/[\s\p{Cc}]/u.test(value)) {
    throw invalid(field, `${field}: ${shown} holds a space or a control character`);
  }
  const url = URL.canParse(value) ? new URL(value) : null;
  if (url === null) throw invalid(field, `${field}: ${shown} is not an absolute URI`);
  if (value.includes("#")) {
    throw invalid(field, `${field}: ${shown} has a fragment (#…), which is not allowed`);
  }
  if (url.username !== "" || url.password !== "") {
    throw invalid(field, `${field}: ${shown} holds a user name or password`);
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol === "https:") {
    return { uri: value, privateUse: false, httpsLoopback: loopback };
  }
  if (url.protocol === "http:") {
    if (!loopback) {
      throw invalid(
        field,
        `${field}: ${shown} must use https (http only for localhost, 127.0.0.1 or [::1])`,
      );
    }
    return { uri: value, privateUse: false, httpsLoopback: false };
  }
  if (privateUse === "never" || !PRIVATE_USE_SCHEME.test(url.protocol)) {
    throw invalid(
      field,
      privateUse === "never"
        ? `${field}: ${shown} must use https (http only for localhost, 127.0.0.1 or [::1])`
        : `${field}: ${shown} must use https, http on a loopback host, or, for a public native app, a private-use scheme named after a reversed domain (com.example.app:/callback)`,
    );
  }
  if (privateUse === "public only") {
    throw invalid(
      field,
      `${field}: ${shown} uses a private-use scheme, which only a public client (a native app) may`,
    );
  }
  return { uri: value, privateUse: true, httpsLoopback: false };
}

/** Checks a list of URIs; duplicates are kept once, in the order given. */
function checkUris(
  field: string,
  values: readonly string[] | undefined,
  privateUse: "allowed" | "public only",
): CheckedUri[] {
  if (values === undefined) return [];
  if (!Array.isArray(values)) throw invalid(field, `${field}: give a list of URIs`);
  const checked = [...new Set(values)].map((value) => checkUri(field, value, privateUse));
  if (checked.length > MAX_CLIENT_URIS) {
    throw invalid(field, `${field}: at most ${MAX_CLIENT_URIS} URIs`);
  }
  return checked;
}

/** The client's name: trimmed, 1 to 100 characters, none invisible or controlling. */
function checkName(value: unknown): string {
  const name = typeof value === "string" ? value.trim() : "";
  if (name === "") throw invalid("client_name", "Give the client a name");
  if ([...name].length > MAX_CLIENT_NAME_LENGTH) {
    throw invalid("client_name", `A client name is at most ${MAX_CLIENT_NAME_LENGTH} characters`);
  }
  const forbidden = findForbiddenCharacter(name);
  if (forbidden !== null) {
    throw invalid("client_name", `The client name holds a refused character (${forbidden.reason})`);
  }
  return name;
}

/** The grants, known ones only, each once, in `OIDC_GRANTS`' order. */
function checkGrants(values: readonly string[] | undefined): OidcGrant[] {
  if (values === undefined) return [...DEFAULT_OIDC_GRANTS];
  if (!Array.isArray(values) || values.length === 0) {
    throw invalid("grant_types", "Give at least one grant");
  }
  for (const value of values) {
    if (!(OIDC_GRANTS as readonly unknown[]).includes(value)) {
      throw invalid(
        "grant_types",
        `Unknown grant ${JSON.stringify(String(value))}; known: ${OIDC_GRANTS.join(", ")}`,
      );
    }
  }
  return OIDC_GRANTS.filter((grant) => values.includes(grant));
}

/**
 * Checks a registration and builds its metadata (without the id).
 * @throws ClientError `validation_error`, `extra.field` naming the metadata field at fault.
 */
export function checkOidcClient(input: OidcClientInput): CheckedOidcClient {
  const name = checkName(input.name);
  const isPublic = input.public === true;
  const grants = checkGrants(input.grants);
  const privateUse = isPublic ? "allowed" : "public only";
  const redirects = checkUris("redirect_uris", input.redirectUris, privateUse);
  const postLogout = checkUris(
    "post_logout_redirect_uris",
    input.postLogoutRedirectUris,
    privateUse,
  );
  const backchannel =
    input.backchannelLogoutUri === undefined
      ? undefined
      : checkUri("backchannel_logout_uri", input.backchannelLogoutUri, "never");

  if (isPublic && grants.includes("client_credentials")) {
    throw invalid("grant_types", "A public client cannot have the client_credentials grant");
  }
  const codeFlow = grants.includes("authorization_code");
  if (codeFlow && redirects.length === 0) {
    throw invalid("redirect_uris", "The authorization_code grant needs at least one redirect URI");
  }
  if (!codeFlow && redirects.length > 0) {
    throw invalid("redirect_uris", "Redirect URIs are for the authorization_code grant only");
  }
  if (
    grants.includes("refresh_token") &&
    !codeFlow &&
    !grants.includes("urn:ietf:params:oauth:grant-type:device_code")
  ) {
    throw invalid(
      "grant_types",
      "refresh_token needs authorization_code or the device_code grant: refresh tokens come from those",
    );
  }
  const native = [...redirects, ...postLogout].some((uri) => uri.privateUse);
  const claimedLoopback = [...redirects, ...postLogout].find((uri) => uri.httpsLoopback);
  if (native && claimedLoopback !== undefined) {
    throw invalid(
      redirects.includes(claimedLoopback) ? "redirect_uris" : "post_logout_redirect_uris",
      `A native app's https URI cannot name a loopback host (${claimedLoopback.uri}); use http://127.0.0.1 for its loopback redirect`,
    );
  }

  return {
    name,
    public: isPublic,
    firstParty: input.firstParty === true,
    grants,
    metadata: {
      client_name: name,
      application_type: native ? "native" : "web",
      redirect_uris: redirects.map((uri) => uri.uri),
      post_logout_redirect_uris: postLogout.map((uri) => uri.uri),
      grant_types: grants,
      response_types: codeFlow ? ["code"] : [],
      token_endpoint_auth_method: isPublic ? "none" : "client_secret_basic",
      id_token_signed_response_alg: ID_TOKEN_SIGNING_ALGORITHM,
      ...(backchannel === undefined
        ? {}
        : { backchannel_logout_uri: backchannel.uri, backchannel_logout_session_required: true }),
    },
  };
}

/** The metadata to store for a checked client under `clientId`. */
export function oidcClientMetadata(
  clientId: string,
  checked: CheckedOidcClient,
): OidcClientMetadataObject {
  return { client_id: clientId, ...checked.metadata };
}
