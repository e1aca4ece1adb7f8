/**
 * The account page's "Apps with access": the apps the person signed in to with this account
 * (what each may see, since when), and revoking one after a confirmation: the app is signed
 * out and its tokens stop working at once.
 */
import { api } from "../lib/api.js";
import { describeScopes } from "../lib/applications.js";
import { byId, h, handleClick, setVisible, showMessage } from "../lib/dom.js";
import { actionButton, confirmPanel } from "../lib/item-controls.js";
import { t } from "../lib/i18n.js";
import type { ApplicationAccessView } from "../lib/types.js";
import { timeOf, tNodes, userData } from "../lib/words.js";

/** Shows the apps with access; resolves once the list is shown. */
export async function wireApps(): Promise<void> {
  await showApps();
}

async function showApps(): Promise<void> {
  const apps = await api<ApplicationAccessView[]>("GET", "/me/applications");
  const list = byId<HTMLUListElement>("app-list");
  list.replaceChildren(...apps.map(appItem));
  setVisible(apps.length > 0, list);
  setVisible(apps.length === 0, byId("app-empty"));
}

function appItem(app: ApplicationAccessView): HTMLLIElement {
  const message = byId("apps-message");
  const title = h("span", { className: "item-title" }, userData(app.name));
  if (app.first_party) {
    title.append(" ", h("span", { className: "badge" }, t("account.app_first_party")));
  }
  const revoke = actionButton(t("account.revoke"), app.name, "danger");
  const actions = h("div", { className: "actions" }, revoke);
  const confirm = confirmPanel(
    t(app.first_party ? "account.app_revoke_first_party" : "account.app_revoke_question", {
      name: app.name,
    }),
    t("account.app_revoke_access"),
    "danger",
  );
  const item = h(
    "li",
    { className: "item" },
    h(
      "div",
      { className: "item-main" },
      title,
      h(
        "span",
        { className: "meta" },
        `${describeScopes(app.scopes)} `,
        ...tNodes("account.app_since", { when: timeOf(app.granted_at) }),
      ),
    ),
    actions,
    confirm.panel,
  );
  revoke.addEventListener("click", () => {
    setVisible(false, actions);
    setVisible(true, confirm.panel);
    confirm.confirm.focus();
  });
  confirm.cancel.addEventListener("click", () => {
    setVisible(false, confirm.panel);
    setVisible(true, actions);
    revoke.focus();
  });
  handleClick(confirm.confirm, message, async () => {
    await api("DELETE", `/me/applications/${encodeURIComponent(app.client_id)}`);
    await showApps();
    showMessage(message, t("account.app_revoked", { name: app.name }), "success");
    byId("apps-title").focus();
  });
  item.dataset.id = app.client_id;
  return item;
}
