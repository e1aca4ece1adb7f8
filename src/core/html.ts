/**
 * Escapes text for an HTML text node or a double- or single-quoted attribute value (HTML
 * Standard §13.1.4): the five special characters. The pages, the mails and the OpenID
 * provider's own pages all write through it.
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}
