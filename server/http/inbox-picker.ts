import type { Inbox, Reader } from '../inboxes/types.js';

/** What the picker shows of one inbox: only what its reader may see anyway. */
export interface PickerRow {
  name: string;
  messages: number;
  unread: number;
  expiresAt: Date | undefined;
}

export function pickerRow(inbox: Inbox): PickerRow {
  const { messages, unread } = inbox.store.stats();
  return { name: inbox.name, messages, unread, expiresAt: inbox.expiresAt };
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function row(href: string, label: string, messages: number, unread: number, note: string): string {
  return `<li><a href="${escapeHtml(href)}"><span class="name">${escapeHtml(label)}</span>` +
    `<span class="counts">${plural(messages, 'message', 'messages')}` +
    `${unread > 0 ? `, <strong>${unread} unread</strong>` : ''}${note}</span></a></li>`;
}

/**
 * The page at the webroot with --inboxes: the inboxes this user may read, each a link
 * to its own web inbox (`inbox/{name}/`, relative so any --webroot works), and "All
 * inboxes" for users with "*". Rendered on the server with no script at all, so the
 * strict Content-Security-Policy holds. Names are `[a-z0-9-]`, escaped all the same.
 */
export function renderPicker(reader: Reader, rows: readonly PickerRow[], all: { messages: number; unread: number } | undefined): string {
  const items = rows.map((r) =>
    row(`inbox/${encodeURIComponent(r.name)}/`, r.name, r.messages, r.unread, r.expiresAt ? ` · expires ${escapeHtml(r.expiresAt.toISOString())}` : ''),
  );
  if (all) items.push(row('all/', 'All inboxes', all.messages, all.unread, ''));
  const list = items.length > 0 ? `<ul>${items.join('')}</ul>` : '<p class="empty">No inbox is open to you yet.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><meta name="color-scheme" content="light dark"><title>Inboxes · Letterbox</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;padding:2rem 1rem}
main{max-width:40rem;margin:0 auto}
h1{font-size:1.4rem;margin:0 0 .25rem}
.who{color:GrayText;margin:0 0 1.5rem}
ul{list-style:none;margin:0;padding:0}
li a{display:flex;justify-content:space-between;gap:1rem;padding:.75rem 1rem;border:1px solid color-mix(in srgb,currentColor 20%,transparent);border-radius:.5rem;margin-bottom:.5rem;text-decoration:none;color:inherit}
li a:hover,li a:focus{border-color:#2563eb}
.name{font-weight:600}
.counts{color:GrayText}
</style></head>
<body><main><h1>Inboxes</h1>
<p class="who">Signed in as ${escapeHtml(reader.name)}</p>
${list}
</main></body></html>
`;
}
