import { type HtmlCheck, toHtmlCheck } from './html-check.js';
import { bool, isObject, num, objects, str } from './json.js';
import { type ListPage, type Message, type WebUi, toListPage, toMessage, toWebUi } from './types.js';

/**
 * Every call the inbox makes to the Mailpit-compatible API. URLs are relative to the
 * page, so the inbox works under any webroot.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function apiUrl(path: string): string {
  return new URL(path, document.baseURI).href;
}

export function partUrl(id: string, partId: string): string {
  return apiUrl(`api/v1/message/${encodeURIComponent(id)}/part/${encodeURIComponent(partId)}`);
}

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(apiUrl(path), init);
  } catch {
    throw new ApiError(0, 'The server cannot be reached');
  }
  if (!res.ok) {
    const body = (await res.text().catch(() => '')).slice(0, 300);
    let text = body;
    try {
      const parsed: unknown = JSON.parse(body);
      if (typeof parsed === 'object' && parsed !== null && 'Error' in parsed && typeof parsed.Error === 'string') text = parsed.Error;
    } catch {
      // A text/plain error body (Mailpit's usual form) is shown as it is.
    }
    throw new ApiError(res.status, text || `HTTP ${res.status}`);
  }
  return res;
}

async function json(path: string, init?: RequestInit): Promise<unknown> {
  return (await call(path, init)).json();
}

function send(method: string, path: string, body?: unknown): Promise<Response> {
  return call(path, body === undefined ? { method } : { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

export async function listPage(query: string, start: number, limit: number): Promise<ListPage> {
  const params = new URLSearchParams({ start: String(start), limit: String(limit) });
  if (query) params.set('query', query);
  const page = toListPage(await json(`api/v1/${query ? 'search' : 'messages'}?${params}`));
  if (!page) throw new ApiError(500, 'The server sent an unexpected list');
  return page;
}

export async function getMessage(id: string): Promise<Message> {
  const message = toMessage(await json(`api/v1/message/${encodeURIComponent(id)}`));
  if (!message) throw new ApiError(500, 'The server sent an unexpected message');
  return message;
}

export async function getHeaders(id: string): Promise<Array<[string, string]>> {
  const body = await json(`api/v1/message/${encodeURIComponent(id)}/headers`);
  const rows: Array<[string, string]> = [];
  if (typeof body === 'object' && body !== null) {
    for (const [name, values] of Object.entries(body)) {
      if (Array.isArray(values)) for (const v of values) if (typeof v === 'string') rows.push([name, v]);
    }
  }
  return rows;
}

export function rawUrl(id: string, download = false): string {
  return apiUrl(`api/v1/message/${encodeURIComponent(id)}/raw${download ? '?dl=1' : ''}`);
}

/** One link's answer from the server's link check; code 0 = no answer (status says why). */
export interface LinkStatus {
  url: string;
  code: number;
  status: string;
}

export async function checkLinks(id: string, follow: boolean): Promise<{ errors: number; links: LinkStatus[] }> {
  const body = await json(`api/v1/message/${encodeURIComponent(id)}/link-check${follow ? '?follow=true' : ''}`);
  if (!isObject(body)) return { errors: 0, links: [] };
  return { errors: num(body, 'Errors'), links: objects(body, 'Links').map((l) => ({ url: str(l, 'URL'), code: num(l, 'StatusCode'), status: str(l, 'Status') })) };
}

/** SpamAssassin's verdict on a message (Mailpit's sa-check); `error` set when spamd could not say. */
export interface SpamReport {
  isSpam: boolean;
  score: number;
  error: string;
  rules: Array<{ name: string; score: number; description: string }>;
}

export async function checkSpam(id: string): Promise<SpamReport> {
  const body = await json(`api/v1/message/${encodeURIComponent(id)}/sa-check`);
  if (!isObject(body)) return { isSpam: false, score: 0, error: 'no answer', rules: [] };
  const rules = objects(body, 'Rules').map((r) => ({ name: str(r, 'Name'), score: num(r, 'Score'), description: str(r, 'Description') }));
  return { isSpam: bool(body, 'IsSpam'), score: num(body, 'Score'), error: str(body, 'Error'), rules };
}

export async function getRaw(id: string): Promise<string> {
  return (await call(`api/v1/message/${encodeURIComponent(id)}/raw`)).text();
}

export async function getWebUi(): Promise<WebUi> {
  return toWebUi(await json('api/v1/webui'));
}

/** What a bulk change applies to: these IDs, what a search finds, or every message. */
export type Selection = { ids: string[] } | { search: string } | 'all';

/** Mark read or unread: by IDs, by search, or (neither) everything. */
export async function setRead(read: boolean, target: Selection): Promise<void> {
  const body = target === 'all' ? { Read: read } : 'ids' in target ? { IDs: target.ids, Read: read } : { Search: target.search, Read: read };
  await send('PUT', 'api/v1/messages', body);
}

export async function deleteMessages(target: Selection): Promise<void> {
  if (target === 'all') await send('DELETE', 'api/v1/messages');
  else if ('ids' in target) await send('DELETE', 'api/v1/messages', { IDs: target.ids });
  else await send('DELETE', `api/v1/search?${new URLSearchParams({ query: target.search })}`);
}

export async function setTags(id: string, tags: string[]): Promise<void> {
  await send('PUT', 'api/v1/tags', { IDs: [id], Tags: tags });
}

/** A release asked for: `retrying` when it failed for now and goes on in the background (202), with what the server said. */
export async function release(id: string, to: string[]): Promise<{ retrying: boolean; text: string }> {
  const response = await send('POST', `api/v1/message/${encodeURIComponent(id)}/release`, { To: to });
  return { retrying: response.status === 202, text: await response.text() };
}

export async function releases(id: string): Promise<unknown> {
  return json(`api/v1/message/${encodeURIComponent(id)}/releases`);
}

/** Mailpit's HTML check: the caniemail.com features the message's HTML uses, per email client. */
export async function getHtmlCheck(id: string): Promise<HtmlCheck> {
  return toHtmlCheck(await json(`api/v1/message/${encodeURIComponent(id)}/html-check`));
}

/** Tags in use with how many messages carry each, from Mailpit's `/api/v1/info` (`Tags: {name: count}`). */
export async function getTagCounts(): Promise<Array<[string, number]>> {
  const body = await json('api/v1/info');
  const tags = isObject(body) && isObject(body['Tags']) ? body['Tags'] : {};
  return Object.keys(tags)
    .map((name): [string, number] => [name, num(tags, name)])
    .sort(([a], [b]) => a.localeCompare(b));
}
