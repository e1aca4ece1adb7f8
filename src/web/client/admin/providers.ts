/**
 * The admin page's "Sign-in providers" (issue 22): the providers people may sign in through,
 * with the callback URL each has registered upstream. They are added and removed with
 * `tessera providers add|remove` (the client secret is typed on the server, never in a page).
 */
import { api } from "../lib/api.js";
import { byId, h, setVisible } from "../lib/dom.js";
import { formatDateTime } from "../lib/text.js";

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

const LINK_TEXT: Record<string, string> = {
  "verified-email": "links by verified address",
  "sign-in-first": "links after the person signs in",
  never: "never links",
};

/** Shows the list. */
export async function showProviders(): Promise<void> {
  const { providers } = await api<{ providers: ProviderView[] }>("GET", "/providers");
  const list = byId<HTMLUListElement>("provider-list");
  list.replaceChildren(
    ...providers.map((provider) => {
      const notes = [
        LINK_TEXT[provider.link] ?? provider.link,
        provider.create_accounts ? "creates accounts" : null,
        provider.trust_upstream_mfa ? "trusts its MFA" : null,
      ].filter((note) => note !== null);
      const item = h(
        "li",
        { className: "item" },
        h(
          "div",
          { className: "item-main" },
          h("span", { className: "item-title" }, `${provider.name} (${provider.id})`),
          h("span", { className: "meta" }, `${provider.issuer}: ${notes.join(", ")}`),
          h("span", { className: "meta" }, `Callback URL: ${provider.callback_url}`),
          h("span", { className: "meta" }, `Added ${formatDateTime(provider.created_at)}`),
        ),
      );
      item.dataset.id = provider.id;
      return item;
    }),
  );
  setVisible(providers.length > 0, list);
  setVisible(providers.length === 0, byId("provider-empty"));
}
