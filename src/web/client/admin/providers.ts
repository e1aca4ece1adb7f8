/**
 * The admin page's "Sign-in providers" (issue 22): the providers people may sign in through,
 * with the callback URL each has registered upstream. They are added and removed with
 * `tessera providers add|remove` (the client secret is typed on the server, never in a page).
 */
import { api } from "../lib/api.js";
import { byId, h, setVisible } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { timeOf, userData } from "./words.js";

interface ProviderView {
  id: string;
  name: string;
  kind: string;
  issuer: string;
  link: string;
  create_accounts: boolean;
  trust_upstream_mfa: boolean;
  callback_url: string;
  created_at: string;
}

/** The catalogue keys of how each provider links an upstream account to a local one. */
const LINK_TEXT: Record<string, string> = {
  "verified-email": "admin.provider_link_verified_email",
  "sign-in-first": "admin.provider_link_sign_in_first",
  never: "admin.provider_link_never",
};

/** Shows the list. */
export async function showProviders(): Promise<void> {
  const { providers } = await api<{ providers: ProviderView[] }>("GET", "/providers");
  const list = byId<HTMLUListElement>("provider-list");
  list.replaceChildren(
    ...providers.map((provider) => {
      const link = LINK_TEXT[provider.link];
      const notes = [
        provider.create_accounts ? t("admin.provider_creates_accounts") : null,
        provider.trust_upstream_mfa ? t("admin.provider_trusts_mfa") : null,
      ].filter((note) => note !== null);
      const item = h(
        "li",
        { className: "item" },
        h(
          "div",
          { className: "item-main" },
          h(
            "span",
            { className: "item-title", translate: "no" },
            `${provider.name} (${provider.id})`,
          ),
          h(
            "span",
            { className: "meta" },
            userData(provider.issuer),
            ": ",
            link === undefined ? userData(provider.link) : t(link),
            ...notes.map((note) => `, ${note}`),
          ),
          h(
            "span",
            { className: "meta" },
            t("admin.provider_callback_url"),
            " ",
            userData(provider.callback_url),
          ),
          h(
            "span",
            { className: "meta" },
            t("admin.provider_added"),
            " ",
            timeOf(provider.created_at),
          ),
        ),
      );
      item.dataset.id = provider.id;
      return item;
    }),
  );
  setVisible(providers.length > 0, list);
  setVisible(providers.length === 0, byId("provider-empty"));
}
