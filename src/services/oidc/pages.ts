/**
 * The few pages the provider renders itself (its `*Source` helpers): entering a device's code,
 * confirming it (naming the application, RFC 8628 §5.4: the person must see which client they
 * approve), the device flow's success, the RP-initiated logout's confirmation and success, and
 * errors. HTML with every value escaped, no script, and their own security headers (the
 * provider's answers do not pass through Fastify's hooks). They wear the built pages' header,
 * card and buttons: the stylesheet under its stable name (the HTTP layer's pages serve it; the
 * content-hashed name is the build's, which the provider does not read).
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

/** How the pages look: the product's name and the stylesheet to link (none: unstyled). */
export interface OidcPageLook {
  readonly appName: string;
  /** A path on this server, e.g. `/assets/styles.css`. */
  readonly stylesheet?: string | undefined;
}

function render(ctx: KoaContextWithOIDC, look: OidcPageLook, title: string, body: string): void {
  for (const [name, value] of Object.entries(PAGE_HEADERS)) ctx.set(name, value);
  ctx.type = "html";
  const stylesheet =
    look.stylesheet === undefined
      ? ""
      : `\n    <link rel="stylesheet" href="${html(look.stylesheet)}">`;
  ctx.body = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="color-scheme" content="light dark">
    <meta name="referrer" content="same-origin">
    <title>${html(title)} · ${html(look.appName)}</title>${stylesheet}
  </head>
  <body>
    <a class="skip-link" href="#main">Skip to content</a>
    <header class="site-header">
      <div class="bar"><span class="brand">${html(look.appName)}</span></div>
    </header>
    <main id="main" class="narrow">
      <section class="card" aria-labelledby="page-title">
        <h1 id="page-title">${html(title)}</h1>
${body}
      </section>
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

/** The pages, with the product's name (`TESSERA_APP_NAME`) in their header and title. */
export function oidcProviderPages(look: OidcPageLook): OidcProviderPages {
  const { appName } = look;
  return {
    deviceCodeInput(ctx, form, _out, err) {
      const error = err as { userCode?: unknown; name?: string; status?: number } | undefined;
      const message =
        error === undefined
          ? `<p>Enter the code your device shows.</p>`
          : `<p class="message error" role="alert">${html(
              error.status === 429
                ? "Too many wrong codes. Wait a few minutes, then try again."
                : error.status === 503
                  ? "The server is busy. Try again in a moment."
                  : error.userCode !== undefined || error.name === "NoCodeError"
                    ? "That code is wrong or has expired. Check the device and try again."
                    : error.name === "AbortedError"
                      ? "The sign-in was cancelled."
                      : "Something went wrong. Start again on the device.",
            )}</p>`;
      render(
        ctx,
        look,
        "Sign in a device",
        `${message}
${withoutVisibleInputs(form)}
<div class="field">
  <label for="user-code">Code</label>
  <input id="user-code" class="user-code" name="user_code" form="op.deviceInputForm" autocomplete="one-time-code" autocapitalize="characters" spellcheck="false" required autofocus>
</div>
<button type="submit" class="primary wide" form="op.deviceInputForm">Continue</button>`,
      );
    },
    deviceCodeConfirm(ctx, form, client, _deviceInfo: UnknownObject, userCode) {
      const name = client.clientName ?? client.clientId;
      render(
        ctx,
        look,
        "Confirm the device",
        `<p><strong>${html(name)}</strong> asks to sign in as you on a device.</p>
<p>It should show this code: <code class="user-code">${html(userCode)}</code></p>
<p>If you did not start this, or the code differs, cancel.</p>
${form}
<div class="actions">
  <button type="submit" class="primary" form="op.deviceConfirmForm" autofocus>Continue</button>
  <button type="submit" class="secondary" form="op.deviceConfirmForm" name="abort" value="yes">Cancel</button>
</div>`,
      );
    },
    deviceSuccess(ctx) {
      const name = clientName(ctx);
      render(
        ctx,
        look,
        "Device signed in",
        `<p>${name === undefined ? "The device" : `<strong>${html(name)}</strong>`} is signed in. You can close this page.</p>`,
      );
    },
    logoutConfirm(ctx, form) {
      const name = clientName(ctx);
      render(
        ctx,
        look,
        "Sign out?",
        `<p>${name === undefined ? "An application" : `<strong>${html(name)}</strong>`} signed you out. Sign out of ${html(appName)} too, and of every application you signed in to with it?</p>
${form}
<div class="actions">
  <button type="submit" class="primary" form="op.logoutForm" name="logout" value="yes" autofocus>Sign out</button>
  <button type="submit" class="secondary" form="op.logoutForm">Stay signed in to ${html(appName)}</button>
</div>`,
      );
    },
    logoutSuccess(ctx) {
      render(
        ctx,
        look,
        "Signed out",
        `<p>You are signed out.</p>
<p class="after"><a href="/">Sign in again</a></p>`,
      );
    },
    error(ctx, out: ErrorOut) {
      render(
        ctx,
        look,
        "Sign-in failed",
        `<p>The application's request was refused: <code>${html(out.error)}</code></p>
${out.error_description === undefined ? "" : `<p>${html(out.error_description)}</p>`}
<p>Go back to the application and try again.</p>`,
      );
    },
  };
}
