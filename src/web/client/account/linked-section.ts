/**
 * The account page's "Linked sign-ins" (issue 22): the providers this account signs in
 * through, with Unlink (refused for the last way to sign in: no password, no passkey, no other
 * link); Link for the providers not linked yet (the browser goes to the provider and comes
 * back here); and the confirmation of a link the person was asked to make by signing in first.
 */
import { api, ApiError } from "../lib/api.js";
import { byId, h, handleClick, setVisible, showMessage } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { actionButton } from "../lib/item-controls.js";
import { timeOf, tNodes, userData } from "../lib/words.js";

interface LinkedSignIn {
  provider_id: string;
  provider_name: string;
  email_at_link: string | null;
  created_at: string;
  last_used_at: string | null;
}

interface OfferedProvider {
  id: string;
  name: string;
  available: boolean;
}

/** Shows the section when the server offers providers or the account has links. */
export async function wireLinkedSignIns(): Promise<void> {
  const message = byId("linked-message");
  await offerPendingLink(message);
  await showLinked(message);
  const linked = new URLSearchParams(window.location.search).get("provider_linked");
  if (linked !== null) showMessage(message, t("account.linked_done"), "success");
}

async function offerPendingLink(message: HTMLElement): Promise<void> {
  let pending: { kind: string; provider_name: string; email: string | null };
  try {
    pending = await api("GET", "/login/providers/pending");
  } catch {
    return;
  }
  if (pending.kind !== "link") return;
  const confirm = byId<HTMLButtonElement>("linked-confirm");
  // Who the person is at the provider, so a sign-in someone else started is not linked unseen.
  byId("linked-confirm-text").replaceChildren(
    ...(pending.email === null
      ? tNodes("account.linked_confirm", { provider: userData(pending.provider_name) })
      : tNodes("account.linked_confirm_as", {
          provider: userData(pending.provider_name),
          email: userData(pending.email),
        })),
  );
  setVisible(true, byId("linked-confirm-panel"));
  handleClick(confirm, message, async () => {
    await api("POST", "/login/providers/link");
    setVisible(false, byId("linked-confirm-panel"));
    await showLinked(message);
    showMessage(
      message,
      t("account.linked_confirmed", { provider: pending.provider_name }),
      "success",
    );
  });
}

async function showLinked(message: HTMLElement): Promise<void> {
  const [{ linked }, { providers }] = await Promise.all([
    api<{ linked: LinkedSignIn[] }>("GET", "/me/linked-sign-ins"),
    api<{ providers: OfferedProvider[] }>("GET", "/login/providers"),
  ]);
  const list = byId<HTMLUListElement>("linked-list");
  list.replaceChildren(...linked.map((link) => linkedItem(link, message)));
  setVisible(linked.length > 0, list);
  setVisible(linked.length === 0, byId("linked-empty"));
  const unlinked = providers.filter((p) => !linked.some((link) => link.provider_id === p.id));
  byId("linked-offers").replaceChildren(
    ...unlinked.map((provider) => {
      const button = h(
        "button",
        { type: "button", className: "secondary small", disabled: !provider.available },
        t("account.linked_offer", { provider: provider.name }),
      );
      handleClick(button, message, async () => {
        const started = await api<{ redirect_to: string }>(
          "POST",
          `/me/linked-sign-ins/${encodeURIComponent(provider.id)}`,
        );
        window.location.assign(started.redirect_to);
      });
      return h("li", {}, button);
    }),
  );
  setVisible(linked.length > 0 || providers.length > 0, byId("linked-card"));
}

function linkedItem(link: LinkedSignIn, message: HTMLElement): HTMLLIElement {
  const unlink = actionButton(t("account.linked_unlink"), link.provider_name, "danger");
  handleClick(unlink, message, async () => {
    try {
      await api("DELETE", `/me/linked-sign-ins/${encodeURIComponent(link.provider_id)}`);
    } catch (error) {
      if (error instanceof ApiError && error.code === "last_sign_in_method") {
        throw new Error(t("account.linked_last_method"), { cause: error });
      }
      throw error;
    }
    await showLinked(message);
    showMessage(message, t("account.linked_unlinked", { provider: link.provider_name }), "success");
  });
  const when = timeOf(link.created_at);
  const meta = h(
    "span",
    { className: "meta" },
    ...(link.last_used_at === null
      ? tNodes("account.linked_since", { when })
      : tNodes("account.linked_since_used", { when, used: timeOf(link.last_used_at) })),
  );
  if (link.email_at_link !== null) meta.prepend(userData(link.email_at_link), " ");
  const item = h(
    "li",
    { className: "item" },
    h(
      "div",
      { className: "item-main" },
      h("span", { className: "item-title" }, userData(link.provider_name)),
      meta,
    ),
    h("div", { className: "actions" }, unlink),
  );
  item.dataset.id = link.provider_id;
  return item;
}
