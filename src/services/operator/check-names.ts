/**
 * Names made before issue 14 item 8 may hold characters that are refused today (invisible,
 * bidi controls, unpaired surrogates). They are left as they are (renaming would break sign-ins
 * and audit trails) and listed for the operator by `tessera check-names`.
 */
import { describeCodePoint, findForbiddenCharacter } from "../../core/identifier-characters.js";
import { listUsers } from "../../store/index.js";
import type { ServiceContext } from "../context.js";

/** One stored name or email that would be refused today. */
export interface UnsafeIdentifier {
  userId: string;
  field: "name" | "email";
  /** The value with every character outside printable ASCII escaped (safe to print). */
  escaped: string;
  /** `U+200B ZERO WIDTH SPACE`, and why it is refused. */
  character: string;
  reason: string;
}

/** Escapes for a terminal: printable ASCII as is, everything else as \u{…}. */
export function escapeForTerminal(value: string): string {
  let out = "";
  for (let i = 0; i < value.length; i += 1) {
    const unit = value.charCodeAt(i);
    const isPair = unit >= 0xd800 && unit <= 0xdbff && /[\udc00-\udfff]/.test(value[i + 1] ?? "");
    const codePoint = isPair ? value.codePointAt(i)! : unit;
    if (isPair) i += 1;
    out +=
      codePoint >= 0x20 && codePoint < 0x7f && codePoint !== 0x5c
        ? String.fromCharCode(codePoint)
        : `\\u{${codePoint.toString(16).toUpperCase()}}`;
  }
  return out;
}

/** Every stored name and email that holds a refused character, oldest user first. */
export async function findUnsafeIdentifiers(ctx: ServiceContext): Promise<UnsafeIdentifier[]> {
  const found: UnsafeIdentifier[] = [];
  for (const user of await listUsers(ctx.db)) {
    for (const field of ["name", "email"] as const) {
      const forbidden = findForbiddenCharacter(user[field]);
      if (forbidden === null) continue;
      found.push({
        userId: user.id,
        field,
        escaped: escapeForTerminal(user[field]),
        character: describeCodePoint(forbidden.codePoint),
        reason: forbidden.reason,
      });
    }
  }
  return found;
}
