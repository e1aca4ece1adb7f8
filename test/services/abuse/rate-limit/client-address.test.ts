import { describe, expect, it } from "vitest";
import { normalizeClientAddress } from "../../../../src/services/abuse/rate-limit/index.js";

describe("normalizeClientAddress", () => {
  it.each([
    ["192.0.2.33", "192.0.2.33"],
    [" 192.0.2.33 ", "192.0.2.33"],
    ["::ffff:192.0.2.33", "192.0.2.33"],
    ["::FFFF:C000:0221", "192.0.2.33"],
    ["0:0:0:0:0:ffff:192.0.2.33", "192.0.2.33"],
    ["[::ffff:192.0.2.33]", "192.0.2.33"],
    ["::ffff:0:192.0.2.33", "192.0.2.33"],
    ["64:ff9b::192.0.2.33", "192.0.2.33"],
    ["64:ff9b::c000:221", "192.0.2.33"],
  ])("counts %j as the IPv4 address %s", (input, bucket) => {
    expect(normalizeClientAddress(input)).toBe(bucket);
  });

  it.each([
    ["2001:db8:aa:bb::1", "2001:db8:aa:bb::/64"],
    ["2001:0DB8:00AA:00BB:1234:5678:9abc:def0", "2001:db8:aa:bb::/64"],
    ["[2001:db8:aa:bb::2]", "2001:db8:aa:bb::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["2001:db8::", "2001:db8:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["::", "0:0:0:0::/64"],
    ["1:2:3:4:5:6:1.2.3.4", "1:2:3:4::/64"],
    ["64:ff9b:1::192.0.2.33", "64:ff9b:1:0::/64"],
    ["::fffe:192.0.2.33", "0:0:0:0::/64"],
  ])("counts the IPv6 address %j in the /64 %s", (input, bucket) => {
    expect(normalizeClientAddress(input)).toBe(bucket);
  });

  it("gives two addresses of one /64 the same bucket and neighbouring /64s different ones", () => {
    const a = normalizeClientAddress("2001:db8:1:2:aaaa::1");
    expect(normalizeClientAddress("2001:db8:1:2:ffff:ffff:ffff:ffff")).toBe(a);
    expect(normalizeClientAddress("2001:db8:1:3::1")).not.toBe(a);
  });

  it("puts anything that is not an IP under a bounded other: prefix without throwing", () => {
    expect(normalizeClientAddress("Unknown")).toBe("other:unknown");
    expect(normalizeClientAddress("")).toBe("other:");
    expect(normalizeClientAddress("1.2.3.4:8080")).toBe("other:1.2.3.4:8080");
    expect(normalizeClientAddress("x".repeat(10_000))).toHaveLength("other:".length + 100);
    // Never collides with a real IP bucket.
    expect(normalizeClientAddress("256.1.1.1")).toBe("other:256.1.1.1");
  });
});
