/**
 * The admin page's user list: search as you type (debounced), the filter, a page at a time with
 * "More", the count from the server's `X-Total-Count`. Each user's entry is ./user-item.ts, its
 * sessions ./user-sessions.ts; after an action on a user the list and the Activity are read
 * again.
 */
import { apiPage } from "../lib/api.js";
import { byId, handleClick, setVisible, showMessage } from "../lib/dom.js";
import { formatNumber } from "../lib/i18n.js";
import { describeError } from "../lib/text.js";
import type { AdminUserView, UserView } from "../lib/types.js";
import { userItem, type UserItemContext } from "./user-item.js";
import { showSessionCount } from "./user-sessions.js";

/** Users per page of the list. */
const USERS_PER_PAGE = 50;
/** Wait after the last key press before searching (debounce). */
const SEARCH_DELAY_MS = 250;

/** Options of `createUserList`. */
export interface UserListOptions {
  /** The signed-in admin. */
  me: UserView;
  /** Reads the Activity list again from its first page. */
  refreshActivity(): Promise<void>;
}

/** The user list of the admin page. */
export interface UserList {
  /** Loads the first page of the current search (or, with `more`, the next one and appends it). */
  load(options?: { more?: boolean }): Promise<void>;
  /** Reloads the list (its first page), then the Activity. */
  refresh(): Promise<void>;
  /** Search as you type (debounced), the filter, and "More". */
  wireSearch(): void;
  /** The name of a user shown in the list, or null (for the Activity's lines). */
  nameOf(id: string | null): string | null;
}

/** The list, empty until its first `load`. */
export function createUserList(options: UserListOptions): UserList {
  /** The users shown: the pages loaded so far of the current search and filter. */
  let users: AdminUserView[] = [];
  /** The next page of the current search, or null. */
  let nextCursor: string | null = null;
  /** Counts the list's loads, so an answer to an older search is dropped. */
  let listGeneration = 0;

  const refresh = async () => {
    await load();
    await options.refreshActivity();
  };
  const context: UserItemContext = {
    me: options.me,
    /**
     * Reloads the list and the Activity, then says what happened and puts the focus back near
     * where it was.
     */
    afterAction: async (text, focusId) => {
      await refresh();
      showMessage(byId("users-message"), text, "success");
      const target = focusId === null ? null : document.getElementById(focusId);
      (target ?? byId("users-title")).focus();
    },
  };

  async function load(loadOptions: { more?: boolean } = {}): Promise<void> {
    const more = loadOptions.more === true && nextCursor !== null;
    const generation = ++listGeneration;
    const page = await apiPage<AdminUserView>(listPath(more ? nextCursor : null));
    if (generation !== listGeneration) return; // a newer search answered or is on its way
    nextCursor = page.nextCursor;
    users = more ? [...users, ...page.items] : page.items;
    if (!more) byId("user-count").textContent = formatNumber(page.total ?? users.length);
    const list = byId<HTMLUListElement>("user-list");
    const items = page.items.map((user) => userItem(user, context));
    if (more) list.append(...items);
    else list.replaceChildren(...items);
    setVisible(nextCursor !== null, byId("users-more"));
    setVisible(users.length === 0, byId("users-none"));
    await Promise.all(page.items.map((user) => showSessionCount(user, context)));
  }

  const wireSearch = () => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const reload = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void load().catch(showListError), SEARCH_DELAY_MS);
    };
    byId<HTMLInputElement>("user-search").addEventListener("input", reload);
    byId<HTMLSelectElement>("user-filter").addEventListener("change", () => {
      clearTimeout(timer);
      void load().catch(showListError);
    });
    handleClick(byId("users-more"), byId("users-message"), async () => {
      await load({ more: true });
    });
  };

  return {
    load,
    refresh,
    wireSearch,
    nameOf: (id) => users.find((u) => u.id === id)?.name ?? null,
  };
}

function showListError(error: unknown): void {
  showMessage(byId("users-message"), describeError(error), "error");
}

/** The list's query: the search, the filter (`name=value`), the page size, the cursor. */
function listPath(cursor: string | null): string {
  const query = new URLSearchParams({ limit: String(USERS_PER_PAGE) });
  const q = byId<HTMLInputElement>("user-search").value.trim();
  if (q !== "") query.set("q", q);
  const [filter, value] = byId<HTMLSelectElement>("user-filter").value.split("=");
  if (filter !== undefined && filter !== "" && value !== undefined) query.set(filter, value);
  if (cursor !== null) query.set("cursor", cursor);
  return `/users?${query.toString()}`;
}
