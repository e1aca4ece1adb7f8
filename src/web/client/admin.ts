/**
 * The admin page (`/admin`): find users (search as you type, filters, a page at a time with
 * "More", the count from the server's `X-Total-Count`), create one, promote and demote, lock (with a reason,
 * optionally until a time) and unlock, reset a password, turn off a user's authenticator app,
 * see a user's sessions (device, address, when, how) and end them, delete. Promote, demote,
 * lock, ending sessions and delete ask for confirmation naming the user. The applications
 * people sign in to with this server: register one (its secret shown once), give one a new
 * secret, remove one. The roles (issue 23): create, change, delete, and set a user's roles.
 * The Activity list is read again after every action. Other signed-in
 * users see a clear message instead.
 *
 * This entry checks who is signed in and puts the sections together: ./admin/user-list.ts (the
 * list, its search, filter and paging), ./admin/user-item.ts (a user's entry and its actions),
 * ./admin/user-forms.ts (the reset and lock forms), ./admin/user-sessions.ts (a user's
 * sessions), ./admin/create-user-form.ts, ./admin/applications.ts and
 * ./admin/application-form.ts (the applications), ./admin/roles.ts (the roles),
 * ./admin/providers.ts (the sign-in providers), and the Activity (./lib/activity.ts).
 * Their words come from the catalogue (`admin.` keys); ./admin/words.ts marks the user data
 * among them `translate="no"` and puts dates in `<time>`.
 */
import { showActivity } from "./lib/activity.js";
import { byId, setVisible, showMessage } from "./lib/dom.js";
import { renderHeader } from "./lib/header.js";
import { askForReauthenticationInline } from "./lib/reauthenticate.js";
import { getMe, goToSignIn } from "./lib/session.js";
import { describeError } from "./lib/text.js";
import { wireApplicationForm } from "./admin/application-form.js";
import { createApplications } from "./admin/applications.js";
import { wireCreateUserForm } from "./admin/create-user-form.js";
import { createRoles } from "./admin/roles.js";
import { createUserList } from "./admin/user-list.js";
import { showProviders } from "./admin/providers.js";

const ACTIVITY = { list: "activity-list", more: "activity-more", message: "activity-message" };

async function main(): Promise<void> {
  const me = await getMe();
  if (me === null) return goToSignIn("/admin");
  if (me.must_change_password) return window.location.replace("/?next=/admin");
  // A second factor is owed first (issue 11 item 3): the account page sets it up.
  if (me.two_fa_enrolment_required === true) return window.location.replace("/account");
  renderHeader(me);
  // Acting on another user's factors needs the admin's own recent sign-in: asked inline.
  askForReauthenticationInline();
  setVisible(false, byId("loading"));
  if (!me.is_admin) {
    byId("denied-name").textContent = me.name;
    setVisible(true, byId("admin-denied"));
    return;
  }
  setVisible(true, byId("admin-content"));
  /** Reads the Activity list again from its first page (set once it is shown). */
  let refreshActivity: () => Promise<void> = async () => undefined;
  const users = createUserList({ me, refreshActivity: () => refreshActivity() });
  wireCreateUserForm(users.refresh);
  users.wireSearch();
  await users.load();
  const activity = await showActivity("/audit", ACTIVITY, users.nameOf);
  refreshActivity = activity.reload;
  const applications = await createApplications(() => refreshActivity());
  wireApplicationForm(applications);
  await createRoles(() => refreshActivity());
  // Issue 22: the sign-in providers.
  void showProviders().catch((error: unknown) => {
    showMessage(byId("providers-message"), describeError(error), "error");
  });
}

main().catch((error: unknown) => {
  setVisible(false, byId("loading"));
  showMessage(byId("page-message"), describeError(error), "error");
});
