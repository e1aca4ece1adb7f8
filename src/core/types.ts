/**
 * Plain types the core needs. The wire shapes (TypeBox schemas and their types) live in
 * `src/contract/`; the core has no schema library.
 */

/** Who a token belongs to (`authentication.JwtUser` of the seed). */
export interface JwtUser {
  id: string;
  name: string;
  email: string;
}
