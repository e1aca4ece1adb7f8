/** Mail templates (src/services/mail/templates.ts): escaping, and links from the public URL only. */
import { describe, expect, it } from "vitest";
import { escapeHtml } from "../../../src/core/html.js";
import { composeMail, describeDuration, publicLink } from "../../../src/services/mail/templates.js";
import type { ServiceSettings } from "../../../src/services/context.js";

const settings = {
  appName: `Acme <"&'>`,
  publicUrl: "https://auth.example.com/base",
} as unknown as ServiceSettings;

describe("mail templates", () => {
  it("escapes every value in the HTML and leaves the text as written", () => {
    const mail = composeMail(settings, "Reset <now>", {
      name: "<script>alert(1)</script>",
      paragraphs: ["a & b"],
      action: { label: 'Go "there"', url: 'https://auth.example.com/x#token=a"b' },
      after: ["it's <fine>"],
    });
    expect(mail.subject).toBe(`Acme <"&'>: Reset <now>`);
    expect(mail.text).toContain("Hello <script>alert(1)</script>,");
    expect(mail.text).toContain('Go "there":\nhttps://auth.example.com/x#token=a"b');
    expect(mail.html).not.toMatch(/<script>|a & b|<fine>|<now>/);
    expect(mail.html).toContain("Hello &lt;script&gt;alert(1)&lt;/script&gt;,");
    expect(mail.html).toContain('href="https://auth.example.com/x#token=a&quot;b"');
    expect(mail.html).toContain("Acme &lt;&quot;&amp;&#39;&gt;");
    expect(escapeHtml(`<>&"'`)).toBe("&lt;&gt;&amp;&quot;&#39;");
  });

  it("builds links from the public URL, secrets in the fragment", () => {
    expect(publicLink(settings, "/reset-password", { token: "abc_-" })).toBe(
      "https://auth.example.com/base/reset-password#token=abc_-",
    );
    expect(() => publicLink({ appName: "x" } as ServiceSettings, "/x")).toThrow(TypeError);
  });

  it("says durations in words", () => {
    expect(describeDuration(30 * 60_000)).toBe("30 minutes");
    expect(describeDuration(60_000)).toBe("1 minute");
    expect(describeDuration(24 * 3_600_000)).toBe("24 hours");
    expect(describeDuration(7 * 24 * 3_600_000)).toBe("7 days");
  });
});
