/**
 * The token of a mailed link (`…/page#token=…`). Read once, then removed from the address bar
 * and the history entry, so it is not left on screen, in bookmarks or in a shared screenshot.
 * The fragment never reaches the server's logs or a Referer header.
 */
export function takeFragmentToken(): string | null {
  const params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  const token = params.get("token");
  if (window.location.hash !== "") {
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  return token === null || token === "" ? null : token;
}
