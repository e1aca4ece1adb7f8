/** Tokens other services verify: the JWKS document (RFC 7517 §5). */
import { Type, type Static } from "@sinclair/typebox";

/** A public signing key (RFC 7517 §4; OKP for Ed25519 per RFC 8037 §2, EC P-256 per RFC 7518 §6.2). */
export const PublicJwkView = Type.Object(
  {
    kty: Type.Union([Type.Literal("OKP"), Type.Literal("EC")]),
    crv: Type.Union([Type.Literal("Ed25519"), Type.Literal("P-256")]),
    x: Type.String(),
    y: Type.Optional(Type.String()),
    kid: Type.String(),
    alg: Type.Union([Type.Literal("EdDSA"), Type.Literal("ES256")]),
    use: Type.Literal("sig"),
  },
  { $id: "PublicJwk" },
);
export type PublicJwkView = Static<typeof PublicJwkView>;

/** `GET /.well-known/jwks.json`. */
export const JwkSetView = Type.Object({ keys: Type.Array(PublicJwkView) }, { $id: "JwkSet" });
export type JwkSetView = Static<typeof JwkSetView>;
