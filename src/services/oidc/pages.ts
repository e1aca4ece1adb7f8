/**
 * The few pages the provider renders itself (its `*Source` helpers): entering a device's code,
 * confirming it (naming the application, RFC 8628 §5.4: the person must see which client they
 * approve), the device flow's success, the RP-initiated logout's confirmation and success, and
 * errors. HTML with every value escaped, no script, and their own security headers (the
 * provider's answers do not pass through Fastify's hooks). They wear the built pages' header,
 * card and buttons: the stylesheet under its stable name (the HTTP layer's pages serve it; the
 * content-hashed name is the build's, which the provider does not read).
 *
 * Their words come from the catalogues (`oidc.` keys, issue 24 item 3), in the language of the
 * request as for the built pages: the picker's cookie, then `Accept-Language`, then the default.
 */
import { escapeHtml } from "../../core/html.js";
import type { KoaContextWithOIDC, UnknownObject } from "oidc-provider";
import { LOCALE_COOKIE } from "../../contract/locale.js";
import {
  chooseLocale,
  localeDirection,
  SOURCE_LOCALE,
  translate,
  type MessageValues,
} from "../../core/i18n.js";
import type { ErrorOut, OidcProviderPages } from "./provider.js";

/** Escapes any value for an HTML text node or a quoted attribute. */
export function html(text: unknown): string {
  return escapeHtml(String(text));
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
  /** The language when neither the cookie nor `Accept-Language` names one (TESSERA_DEFAULT_LOCALE). */
  readonly defaultLocale?: string | undefined;
}

/** A cookie's value in a `Cookie` header, or undefined. */
function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key !== name) continue;
    try {
      return decodeURIComponent(rest.join("="));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The language of a page: the pages' cookie, then `Accept-Language`, then `fallback`. */
export function requestLocale(ctx: KoaContextWithOIDC, fallback: string): string {
  const headers = ctx.headers;
  return chooseLocale(
    [cookieValue(headers.cookie, LOCALE_COOKIE)],
    headers["accept-language"],
    fallback,
  );
}

/**
 * A message as HTML: its text escaped, each placeholder of `markup` replaced by that HTML (its
 * values escaped by the caller), wherever the language puts it.
 */
function htmlMessage(
  locale: string,
  key: string,
  markup: Readonly<Record<string, string>> = {},
  values: MessageValues = {},
): string {
  const marks = Object.fromEntries(
    Object.keys(markup).map((name) => [name, `\uE000${name}\uE000`]),
  );
  return html(translate(locale, key, { ...values, ...marks })).replace(
    /\uE000([a-z_]+)\uE000/g,
    (_whole, name: string) => markup[name] ?? "",
  );
}

function render(
  ctx: KoaContextWithOIDC,
  look: OidcPageLook,
  locale: string,
  title: string,
  body: string,
): void {
  for (const [name, value] of Object.entries(PAGE_HEADERS)) ctx.set(name, value);
  ctx.type = "html";
  const stylesheet =
    look.stylesheet === undefined
      ? ""
      : `\n    <link rel="stylesheet" href="${html(look.stylesheet)}">`;
  ctx.body = `<!DOCTYPE html>
<html lang="${html(locale)}" dir="${localeDirection(locale)}">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="color-scheme" content="light dark">
    <meta name="referrer" content="same-origin">
    <title>${html(title)} · ${html(look.appName)}</title>${stylesheet}
  </head>
  <body>
    <a class="skip-link" href="#main">${htmlMessage(locale, "oidc.skip")}</a>
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
  const fallback = look.defaultLocale ?? SOURCE_LOCALE;
  const product = { product: appName };
  return {
    deviceCodeInput(ctx, form, _out, err) {
      const locale = requestLocale(ctx, fallback);
      const error = err as { userCode?: unknown; name?: string; status?: number } | undefined;
      const message =
        error === undefined
          ? `<p>${htmlMessage(locale, "oidc.device_intro")}</p>`
          : `<p class="message error" role="alert">${htmlMessage(
              locale,
              error.status === 429
                ? "oidc.device_too_many"
                : error.status === 503
                  ? "oidc.device_busy"
                  : error.userCode !== undefined || error.name === "NoCodeError"
                    ? "oidc.device_wrong_code"
                    : error.name === "AbortedError"
                      ? "oidc.device_cancelled"
                      : "oidc.device_failed",
            )}</p>`;
      render(
        ctx,
        look,
        locale,
        translate(locale, "oidc.device_title"),
        `${message}
${withoutVisibleInputs(form)}
<div class="field">
  <label for="user-code">${htmlMessage(locale, "oidc.code_label")}</label>
  <input id="user-code" class="user-code" name="user_code" form="op.deviceInputForm" autocomplete="one-time-code" autocapitalize="characters" spellcheck="false" required autofocus>
</div>
<button type="submit" class="primary wide" form="op.deviceInputForm">${htmlMessage(locale, "oidc.continue")}</button>`,
      );
    },
    deviceCodeConfirm(ctx, form, client, _deviceInfo: UnknownObject, userCode) {
      const locale = requestLocale(ctx, fallback);
      const name = client.clientName ?? client.clientId;
      render(
        ctx,
        look,
        locale,
        translate(locale, "oidc.confirm_title"),
        `<p>${htmlMessage(locale, "oidc.confirm_asks", { application: `<strong>${html(name)}</strong>` })}</p>
<p>${htmlMessage(locale, "oidc.confirm_code", { code: `<code class="user-code">${html(userCode)}</code>` })}</p>
<p>${htmlMessage(locale, "oidc.confirm_cancel_note")}</p>
${form}
<div class="actions">
  <button type="submit" class="primary" form="op.deviceConfirmForm" autofocus>${htmlMessage(locale, "oidc.continue")}</button>
  <button type="submit" class="secondary" form="op.deviceConfirmForm" name="abort" value="yes">${htmlMessage(locale, "oidc.cancel")}</button>
</div>`,
      );
    },
    deviceSuccess(ctx) {
      const locale = requestLocale(ctx, fallback);
      const name = clientName(ctx);
      render(
        ctx,
        look,
        locale,
        translate(locale, "oidc.success_title"),
        `<p>${
          name === undefined
            ? htmlMessage(locale, "oidc.success_unnamed")
            : htmlMessage(locale, "oidc.success_named", {
                application: `<strong>${html(name)}</strong>`,
              })
        }</p>`,
      );
    },
    logoutConfirm(ctx, form) {
      const locale = requestLocale(ctx, fallback);
      const name = clientName(ctx);
      render(
        ctx,
        look,
        locale,
        translate(locale, "oidc.logout_title"),
        `<p>${
          name === undefined
            ? htmlMessage(locale, "oidc.logout_unnamed", {}, product)
            : htmlMessage(
                locale,
                "oidc.logout_named",
                { application: `<strong>${html(name)}</strong>` },
                product,
              )
        }</p>
${form}
<div class="actions">
  <button type="submit" class="primary" form="op.logoutForm" name="logout" value="yes" autofocus>${htmlMessage(locale, "oidc.sign_out")}</button>
  <button type="submit" class="secondary" form="op.logoutForm">${htmlMessage(locale, "oidc.stay_signed_in", {}, product)}</button>
</div>`,
      );
    },
    logoutSuccess(ctx) {
      const locale = requestLocale(ctx, fallback);
      render(
        ctx,
        look,
        locale,
        translate(locale, "oidc.signed_out_title"),
        `<p>${htmlMessage(locale, "oidc.signed_out_text")}</p>
<p class="after"><a href="/">${htmlMessage(locale, "oidc.sign_in_again")}</a></p>`,
      );
    },
    error(ctx, out: ErrorOut) {
      const locale = requestLocale(ctx, fallback);
      render(
        ctx,
        look,
        locale,
        translate(locale, "oidc.error_title"),
        `<p>${htmlMessage(locale, "oidc.error_refused", { error: `<code>${html(out.error)}</code>` })}</p>
${out.error_description === undefined ? "" : `<p>${html(out.error_description)}</p>`}
<p>${htmlMessage(locale, "oidc.error_go_back")}</p>`,
      );
    },
  };
}
