/**
 * A readable summary of a User-Agent string for the device list ("Chrome on Linux"). Rough by
 * design: it names a session for a person, it never decides anything.
 */

/** Browsers, most specific first (Edge and Opera also say "Chrome", Chrome also says "Safari"). */
const BROWSERS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bEdg(?:e|A|iOS)?\//, "Edge"],
  [/\bOPR\/|\bOpera\b/, "Opera"],
  [/\bSamsungBrowser\//, "Samsung Internet"],
  [/\bFirefox\/|\bFxiOS\//, "Firefox"],
  [/\bHeadlessChrome\//, "Headless Chrome"],
  [/\bChrom(?:e|ium)\/|\bCriOS\//, "Chrome"],
  [/\bVersion\/[\d.]+.*\bSafari\//, "Safari"],
  [/^curl\//, "curl"],
  [/^python-requests\/|^Python-urllib\//, "Python"],
  [/^node-fetch|^undici|^node\b/i, "Node.js"],
];

/** Operating systems, most specific first (Android also says "Linux"). */
const SYSTEMS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bAndroid\b/, "Android"],
  [/\biPhone\b|\biPad\b|\biPod\b/, "iOS"],
  [/\bCrOS\b/, "ChromeOS"],
  [/\bWindows\b/, "Windows"],
  [/\bMac OS X\b|\bMacintosh\b/, "macOS"],
  [/\bLinux\b|\bX11\b/, "Linux"],
];

/**
 * The browser's and the system's product names in a user agent (either undefined when not
 * recognised), or null for an empty agent: for texts that join them in their own language.
 */
export function userAgentParts(
  userAgent: string | null,
): { browser: string | undefined; system: string | undefined } | null {
  if (userAgent === null || userAgent.trim() === "") return null;
  return {
    browser: BROWSERS.find(([pattern]) => pattern.test(userAgent))?.[1],
    system: SYSTEMS.find(([pattern]) => pattern.test(userAgent))?.[1],
  };
}

/** "Browser on System", "Browser", "System", or null for an empty or unknown agent. */
export function describeUserAgent(userAgent: string | null): string | null {
  const parts = userAgentParts(userAgent);
  if (parts === null) return null;
  const { browser, system } = parts;
  if (browser !== undefined && system !== undefined) return `${browser} on ${system}`;
  return browser ?? system ?? "Unknown device";
}
