/**
 * The account page's "Apps with access": the apps the person signed in to with this account
 * (what each may see, since when), and revoking one after a confirmation: the app is signed
 * out and its tokens stop working at once.
 */
import { api } from "../lib/api.js";
import { describeScopes } from "../lib/applications.js";
import { byId, h, handleClick, setVisible, showMessage } from "../lib/dom.js";
import { actionButton, confirmPanel } from "../lib/item-controls.js";
import { formatDateTime } from "../lib/text.js";
import type { ApplicationAccessView } from "../lib/types.js";

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
  const title = h("span", { className: "item-title" }, app.name);
  if (app.first_party) title.append(" ", h("span", { className: "badge" }, "This organisation's"));
  const revoke = actionButton("Revoke", app.name, "danger");
  const actions = h("div", { className: "actions" }, revoke);
  const confirm = confirmPanel(
    app.first_party
      ? `Revoke the access of “${app.name}”? It is signed out at once; it signs you in again the next time you use it.`
      : `Revoke the access of “${app.name}”? It is signed out at once and must ask you again before it can use your account.`,
    "Revoke access",
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
        `${describeScopes(app.scopes)} Since ${formatDateTime(app.granted_at)}`,
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
    showMessage(message, `“${app.name}” no longer has access to your account.`, "success");
    byId("apps-title").focus();
  });
  item.dataset.id = app.client_id;
  return item;
}
