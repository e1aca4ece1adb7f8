/**
 * The few pages the provider renders itself (its `*Source` helpers): entering a device's code,
 * confirming it (naming the application, RFC 8628 §5.4: the person must see which client they
 * approve), the device flow's success, the RP-initiated logout's confirmation and success, and
 * errors. Plain HTML with every value escaped, no script, and their own security headers (the
 * provider's answers do not pass through Fastify's hooks).
 */
import type { KoaContextWithOIDC, UnknownObject } from "oidc-provider";
import type { ErrorOut, OidcProviderPages } from "./provider.js";

/** Escapes text for an HTML text node or a quoted attribute. */
export function html(text: unknown): string {
  return String(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** The headers of every page here: no script, no framing, nothing from elsewhere. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-security-policy":
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
});

function render(ctx: KoaContextWithOIDC, appName: string, title: string, body: string): void {
  for (const [name, value] of Object.entries(PAGE_HEADERS)) ctx.set(name, value);
  ctx.type = "html";
  ctx.body = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(title)} · ${html(appName)}</title>
</head>
<body>
<main>
<p class="brand">${html(appName)}</p>
<h1>${html(title)}</h1>
${body}
</main>
</body>
</html>`;
}

function clientName(ctx: KoaContextWithOIDC): string | undefined {
  const client = ctx.oidc.client;
  return client === undefined ? undefined : (client.clientName ?? client.clientId);
}

/**
 * The provider's code-entry form without its own text field (an unlabelled input with an inline
 * script): the page's labelled field joins the form with `form=`. Both in the form would send
 * `user_code` twice, which the provider refuses (`invalid_request`).
 */
export function withoutVisibleInputs(form: string): string {
  return form.replace(/<input\b(?![^>]*\btype="hidden")[^>]*>(?:\s*<\/input>)?/g, "");
}

/** The pages, with the product's name (`TESSERA_APP_NAME`) in their title. */
export function oidcProviderPages(appName: string): OidcProviderPages {
  return {
    deviceCodeInput(ctx, form, _out, err) {
      const error = err as { userCode?: unknown; name?: string } | undefined;
      const message =
        error === undefined
          ? "Enter the code your device shows."
          : error.userCode !== undefined || error.name === "NoCodeError"
            ? "That code is wrong or has expired. Check the device and try again."
            : error.name === "AbortedError"
              ? "The sign-in was cancelled."
              : "Something went wrong. Start again on the device.";
      render(
        ctx,
        appName,
        "Sign in a device",
        `<p role="status">${html(message)}</p>
${withoutVisibleInputs(form)}
<label for="user-code">Code</label>
<input id="user-code" name="user_code" form="op.deviceInputForm" autocomplete="one-time-code" autocapitalize="characters" spellcheck="false" required autofocus>
<button type="submit" form="op.deviceInputForm">Continue</button>`,
      );
    },
    deviceCodeConfirm(ctx, form, client, _deviceInfo: UnknownObject, userCode) {
      const name = client.clientName ?? client.clientId;
      render(
        ctx,
        appName,
        "Confirm the device",
        `<p><strong>${html(name)}</strong> asks to sign in as you on a device.</p>
<p>It should show this code: <code>${html(userCode)}</code></p>
<p>If you did not start this, or the code differs, cancel.</p>
${form}
<button type="submit" form="op.deviceConfirmForm" autofocus>Continue</button>
<button type="submit" form="op.deviceConfirmForm" name="abort" value="yes">Cancel</button>`,
      );
    },
    deviceSuccess(ctx) {
      const name = clientName(ctx);
      render(
        ctx,
        appName,
        "Device signed in",
        `<p>${name === undefined ? "The device" : `<strong>${html(name)}</strong>`} is signed in. You can close this page.</p>`,
      );
    },
    logoutConfirm(ctx, form) {
      render(
        ctx,
        appName,
        "Sign out?",
        `<p>Sign out of ${html(appName)} and the applications you signed in to with it?</p>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Sign out</button>
<button type="submit" form="op.logoutForm">Stay signed in</button>`,
      );
    },
    logoutSuccess(ctx) {
      render(
        ctx,
        appName,
        "Signed out",
        `<p>You are signed out.</p><p><a href="/">Sign in again</a></p>`,
      );
    },
    error(ctx, out: ErrorOut) {
      render(
        ctx,
        appName,
        "Sign-in failed",
        `<p>The application's request was refused: <code>${html(out.error)}</code></p>
${out.error_description === undefined ? "" : `<p>${html(out.error_description)}</p>`}
<p>Go back to the application and try again.</p>`,
      );
    },
  };
}
