/**
 * The per-address limit counts one bucket per client network, not per literal address string.
 *
 * An IPv6 customer is normally given a whole /64 (RFC 6177 §3 recommends at least a /64 per
 * site; SLAAC hosts pick any of its 2^64 addresses, RFC 4862), so one attacker can rotate
 * through addresses for free: the /64 is the unit. Addresses that only wrap an IPv4 address
 * count as that IPv4 address.
 */
import { isIPv4, isIPv6 } from "node:net";

/** Longest non-IP value kept in a bucket name (the HTTP layer should only ever pass IPs). */
const MAX_OTHER_LENGTH = 100;

/** Parses a valid IPv6 text (no zone) into its eight 16-bit groups. */
function ipv6Groups(address: string): number[] {
  let text = address;
  const tail: number[] = [];
  // A trailing dotted quad (RFC 4291 §2.2 form 3) stands for the last two groups.
  const lastColon = text.lastIndexOf(":");
  const last = text.slice(lastColon + 1);
  if (last.includes(".")) {
    const [a = 0, b = 0, c = 0, d = 0] = last.split(".").map(Number);
    tail.push((a << 8) | b, (c << 8) | d);
    text = text.slice(0, lastColon + 1) + "0"; // placeholder group, dropped below
  }
  const parse = (part: string): number[] =>
    part === "" ? [] : part.split(":").map((group) => Number.parseInt(group, 16));
  const [head = "", rest] = text.split("::");
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  if (tail.length > 0) {
    // Drop the placeholder, which is the last group of whichever side holds it.
    if (rest === undefined) left.pop();
    else right.pop();
  }
  const missing = 8 - left.length - right.length - tail.length;
  return [...left, ...Array<number>(Math.max(0, missing)).fill(0), ...right, ...tail];
}

function dottedQuad(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
}

/**
 * The bucket a client address is counted in: an IPv4 address as itself; an IPv6 address as
 * its /64 (`2001:db8:1:2::/64`); IPv4-mapped (`::ffff:1.2.3.4`, RFC 4291 §2.5.5.2) and
 * IPv4-translated (`::ffff:0:1.2.3.4`) and well-known-prefix NAT64/SIIT addresses (`64:ff9b::1.2.3.4`, RFC 6052 §2.1, where an IPv6-only
 * server sees every IPv4 client under one /64, RFC 7755) as the IPv4 address inside.
 * Brackets and a zone (`%eth0`) are ignored; anything that is not an IP is lower-cased and
 * truncated under an `other:` prefix (sharing a bucket there errs on the safe side). Never throws.
 */
export function normalizeClientAddress(address: string): string {
  let text = address.trim();
  if (text.startsWith("[") && text.endsWith("]")) text = text.slice(1, -1);
  const zone = text.indexOf("%");
  if (zone !== -1) text = text.slice(0, zone);
  if (isIPv4(text)) return text;
  if (!isIPv6(text)) return `other:${address.trim().toLowerCase().slice(0, MAX_OTHER_LENGTH)}`;

  const groups = ipv6Groups(text.toLowerCase());
  const g = (i: number): number => groups[i] ?? 0;
  const mapped = g(0) === 0 && g(1) === 0 && g(2) === 0 && g(3) === 0 && g(4) === 0;
  if (mapped && g(5) === 0xffff) return dottedQuad(g(6), g(7));
  // IPv4-translated ::ffff:0:a.b.c.d (RFC 2765 §2.1, SIIT).
  const translated = g(0) === 0 && g(1) === 0 && g(2) === 0 && g(3) === 0 && g(4) === 0xffff;
  if (translated && g(5) === 0) return dottedQuad(g(6), g(7));
  const nat64 = g(0) === 0x64 && g(1) === 0xff9b && g(2) === 0 && g(3) === 0;
  if (nat64 && g(4) === 0 && g(5) === 0) return dottedQuad(g(6), g(7));
  return `${[g(0), g(1), g(2), g(3)].map((group) => group.toString(16)).join(":")}::/64`;
}
