import type {
  AppInformation,
  Attachment,
  ChaosPause,
  ChaosTriggers,
  CreatedInbox,
  Extracted,
  HtmlCheckResponse,
  InboxSummary,
  SpamAssassinResponse,
  LinkCheckResponse,
  Message,
  MessagesSummary,
  MessageSummary,
  SendRequest,
} from '../shapes/wire-types.js';

/** A reply other than 2xx: the status and the server's error text. */
export class LetterboxApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly path: string,
  ) {
    super(`${path}: HTTP ${status}${body ? `: ${body.trim().slice(0, 300)}` : ''}`);
    this.name = 'LetterboxApiError';
  }
}

/** How often, and how many messages deep, waitForMessage searches a server without a wait route. */
const POLL_MS = 200;
const POLL_PAGE = 500;

/** `waitForMessage` found nothing in time. */
export class WaitTimeoutError extends Error {
  constructor(readonly query: string, readonly timeoutMs: number) {
    super(`no message${query ? ` matching "${query}"` : ''} arrived within ${timeoutMs} ms`);
    this.name = 'WaitTimeoutError';
  }
}

export interface ClientOptions {
  /** HTTP Basic credentials for a server started with an auth file. */
  auth?: { username: string; password: string };
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** Replaces the global fetch (for a proxy agent, say). */
  fetch?: typeof fetch;
}

export interface InboxOptions {
  /** How long until the inbox removes itself with its mail, e.g. `24h`, `90m`; none = until deleted. */
  ttl?: string;
}

export interface PageOptions {
  start?: number;
  limit?: number;
}

export interface SearchOptions extends PageOptions {
  query: string;
  /** Time zone for `before:`/`after:` in the query, e.g. `Europe/Berlin`. */
  tz?: string;
}

export interface WaitOptions {
  /** A search (same syntax as `search`); empty or absent = any message. */
  query?: string;
  /**
   * Only a message that arrived after this one (a message ID) counts. Take it before
   * acting (`const after = await client.latestId()`) so a message that was already
   * there is not mistaken for the new one. Without it, the newest match already
   * stored answers at once.
   */
  after?: string;
  /** How long the server waits, in ms (default 10 000). */
  timeout?: number;
}

/** Which messages a bulk change applies to: these IDs, or those a search finds. */
export type Selection = { ids: readonly string[] } | { search: string };

/**
 * A typed client of the Mailpit-compatible API (Letterbox or a real Mailpit): fetch only,
 * no dependencies, usable in Node 20+, Deno, Bun and browsers. IDs default to `latest`
 * where the server accepts it.
 */
export class LetterboxClient {
  readonly baseUrl: string;
  readonly #headers: Record<string, string>;
  readonly #fetch: typeof fetch;
  readonly #options: ClientOptions;
  /** Whether the server has GET /api/v1/wait (Letterbox does, Mailpit does not); unknown until asked. */
  #hasWaitRoute: boolean | undefined;

  /** `baseUrl` is the web root, e.g. `http://127.0.0.1:8025/` or `http://host/mail/`. */
  constructor(baseUrl: string | URL, options: ClientOptions = {}) {
    const url = String(baseUrl);
    this.baseUrl = url.endsWith('/') ? url : url + '/';
    this.#headers = { ...options.headers };
    if (options.auth) {
      this.#headers.authorization = 'Basic ' + base64(`${options.auth.username}:${options.auth.password}`);
    }
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#options = options;
  }

  // ---- reading ------------------------------------------------------------------------------

  info(): Promise<AppInformation> {
    return this.#json('GET', 'api/v1/info');
  }

  /** Newest first. */
  list(options: PageOptions = {}): Promise<MessagesSummary> {
    return this.#json('GET', 'api/v1/messages' + queryString({ start: options.start, limit: options.limit }));
  }

  search(options: SearchOptions | string): Promise<MessagesSummary> {
    const o = typeof options === 'string' ? { query: options } : options;
    return this.#json('GET', 'api/v1/search' + queryString({ query: o.query, start: o.start, limit: o.limit, tz: o.tz }));
  }

  /** The full message; the server marks it read, as Mailpit does. */
  get(id = 'latest'): Promise<Message> {
    return this.#json('GET', `api/v1/message/${encodeURIComponent(id)}`);
  }

  headers(id = 'latest'): Promise<Record<string, string[]>> {
    return this.#json('GET', `api/v1/message/${encodeURIComponent(id)}/headers`);
  }

  /** The exact bytes the server received. */
  async raw(id = 'latest'): Promise<Uint8Array> {
    const response = await this.#request('GET', `api/v1/message/${encodeURIComponent(id)}/raw`);
    return new Uint8Array(await response.arrayBuffer());
  }

  /** The source as text (UTF-8). */
  async source(id = 'latest'): Promise<string> {
    return new TextDecoder().decode(await this.raw(id));
  }

  /** Attachments and inline parts of a message (read from the full message, so it is marked read). */
  async attachments(id = 'latest'): Promise<Attachment[]> {
    const message = await this.get(id);
    return [...message.Attachments, ...message.Inline];
  }

  /** One MIME part's decoded bytes and type. */
  async attachment(id: string, partId: string): Promise<{ contentType: string; data: Uint8Array }> {
    const response = await this.#request('GET', `api/v1/message/${encodeURIComponent(id)}/part/${encodeURIComponent(partId)}`);
    return { contentType: response.headers.get('content-type') ?? '', data: new Uint8Array(await response.arrayBuffer()) };
  }

  /** Links and one-time codes found in a message's text and HTML (Letterbox only). */
  extract(id = 'latest'): Promise<Extracted> {
    return this.#json('GET', `api/v1/message/${encodeURIComponent(id)}/extract`);
  }

  /** The HTTP status of each link in a message (the server sends the requests). */
  linkCheck(id = 'latest', follow = false): Promise<LinkCheckResponse> {
    return this.#json('GET', `api/v1/message/${encodeURIComponent(id)}/link-check` + queryString({ follow: follow ? 'true' : undefined }));
  }

  /** Which caniemail.com features the message's HTML uses, and how email clients support them. */
  htmlCheck(id = 'latest'): Promise<HtmlCheckResponse> {
    return this.#json('GET', `api/v1/message/${encodeURIComponent(id)}/html-check`);
  }

  /** SpamAssassin's verdict on a message (a server started with --enable-spamassassin). */
  spamAssassinCheck(id = 'latest'): Promise<SpamAssassinResponse> {
    return this.#json('GET', `api/v1/message/${encodeURIComponent(id)}/sa-check`);
  }

  /** The ID of the newest message, or undefined when the mailbox is empty: a mark for `after`. */
  async latestId(): Promise<string | undefined> {
    return (await this.list({ limit: 1 })).messages[0]?.ID;
  }

  /**
   * Waits on the server (`GET /api/v1/wait`, no polling) for the first message matching
   * `query` that arrived after `after`. Throws WaitTimeoutError when none came in time.
   * A server without the wait route (a real Mailpit) is searched every POLL_MS instead.
   */
  async waitForMessage(options: WaitOptions = {}): Promise<MessageSummary> {
    const query = options.query ?? '';
    const timeout = options.timeout ?? 10_000;
    if (this.#hasWaitRoute === false) return this.#pollForMessage(query, options.after, timeout);
    const path = 'api/v1/wait' + queryString({ query: query || undefined, after: options.after, timeout: `${timeout}ms` });
    // The server ends the wait itself; the local deadline only guards against a server that never answers.
    const signal = AbortSignal.timeout(timeout + 10_000);
    let response: Response;
    try {
      response = await this.#send('GET', path, undefined, signal);
    } catch (error) {
      if (signal.aborted) throw new WaitTimeoutError(query, timeout);
      throw error;
    }
    if (response.status === 408 || response.status === 204) {
      await response.body?.cancel();
      throw new WaitTimeoutError(query, timeout);
    }
    // Letterbox answers every API 404 in JSON; a plain one means the route is not there.
    if (response.status === 404 && !response.headers.get('content-type')?.includes('json')) {
      await response.body?.cancel();
      this.#hasWaitRoute = false;
      return this.#pollForMessage(query, options.after, timeout);
    }
    if (!response.ok) throw new LetterboxApiError(response.status, await response.text(), path);
    this.#hasWaitRoute = true;
    return (await response.json()) as MessageSummary;
  }

  /**
   * waitForMessage by searching until the deadline, for a server without the wait
   * route. Lists are newest first: the answer is the newest match, or with `after` the
   * oldest match that arrived later than it.
   */
  async #pollForMessage(query: string, after: string | undefined, timeout: number): Promise<MessageSummary> {
    const deadline = Date.now() + timeout;
    const since = after === undefined ? undefined : await this.#arrivalOf(after);
    for (;;) {
      const page = query ? await this.search({ query, limit: POLL_PAGE }) : await this.list({ limit: POLL_PAGE });
      const found = since === undefined ? page.messages[0] : page.messages.filter((m) => Date.parse(m.Created) > since).at(-1);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new WaitTimeoutError(query, timeout);
      await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, left)));
    }
  }

  /** When a message arrived, found in the list (reading the message itself would mark it read). */
  async #arrivalOf(id: string): Promise<number> {
    for (let start = 0; ; start += POLL_PAGE) {
      const page = await this.list({ start, limit: POLL_PAGE });
      const message = page.messages.find((m) => m.ID === id);
      if (message) return Date.parse(message.Created);
      if (page.messages.length < POLL_PAGE) throw new LetterboxApiError(404, `unknown message "${id}" in after`, 'api/v1/messages');
    }
  }

  // ---- changing -----------------------------------------------------------------------------

  /** Deletes these messages. */
  async delete(ids: readonly string[]): Promise<void> {
    // Mailpit deletes everything on an empty list: refuse to turn a no-op into a wipe.
    if (ids.length === 0) return;
    await this.#request('DELETE', 'api/v1/messages', { IDs: ids });
  }

  /** Deletes the messages a search finds. */
  async deleteSearch(query: string, tz?: string): Promise<void> {
    await this.#request('DELETE', 'api/v1/search' + queryString({ query, tz }));
  }

  /** Deletes every message. */
  async clear(): Promise<void> {
    await this.#request('DELETE', 'api/v1/messages');
  }

  /** Marks messages read (or unread with `read = false`). */
  async markRead(selection: Selection, read = true): Promise<void> {
    const body = 'ids' in selection ? { IDs: selection.ids, Read: read } : { Search: selection.search, Read: read };
    if ('ids' in selection && selection.ids.length === 0) return;
    await this.#request('PUT', 'api/v1/messages', body);
  }

  /** Every tag in use. */
  tags(): Promise<string[]> {
    return this.#json('GET', 'api/v1/tags');
  }

  /** Replaces the tags of these messages (`[]` clears them). */
  async setTags(ids: readonly string[], tags: readonly string[]): Promise<void> {
    await this.#request('PUT', 'api/v1/tags', { IDs: ids, Tags: tags });
  }

  async renameTag(tag: string, name: string): Promise<void> {
    await this.#request('PUT', `api/v1/tags/${encodeURIComponent(tag)}`, { Name: name });
  }

  async deleteTag(tag: string): Promise<void> {
    await this.#request('DELETE', `api/v1/tags/${encodeURIComponent(tag)}`);
  }

  /** Stores a message built from JSON, as if it came over SMTP; resolves with its ID. */
  async send(message: SendRequest): Promise<string> {
    const reply = await this.#json<{ ID: string }>('POST', 'api/v1/send', message);
    return reply.ID;
  }

  /** Sends a stored message on to real recipients through the configured relay. */
  async release(id: string, to: readonly string[]): Promise<void> {
    await this.#request('POST', `api/v1/message/${encodeURIComponent(id)}/release`, { To: to });
  }

  // ---- team inboxes (a server started with --inboxes) ----------------------------------------

  /** The inboxes this user may read, with their counts and base URLs. */
  listInboxes(): Promise<InboxSummary[]> {
    return this.#json('GET', 'api/v1/inboxes');
  }

  /** Makes an inbox (users with "*"): its base URL and a fresh SMTP credential, shown only now. */
  createInbox(name: string, options: InboxOptions = {}): Promise<CreatedInbox> {
    return this.#json('POST', 'api/v1/inboxes', { Name: name, ...(options.ttl !== undefined && { TTL: options.ttl }) });
  }

  /** Removes an inbox and all its mail (users with "*"). */
  async deleteInbox(name: string): Promise<void> {
    await this.#request('DELETE', `api/v1/inboxes/${encodeURIComponent(name)}`);
  }

  /** A client of one inbox (`inbox/{name}/`), with this client's credentials: every other method works inside it. */
  inbox(name: string): LetterboxClient {
    return new LetterboxClient(new URL(`inbox/${encodeURIComponent(name)}/`, this.baseUrl), this.#options);
  }

  // ---- chaos --------------------------------------------------------------------------------

  /** The chaos triggers (Mailpit's three, plus Letterbox's Connect and Data). */
  chaos(): Promise<ChaosTriggers> {
    return this.#json('GET', 'api/v1/chaos');
  }

  /** Sets every trigger at once; those left out are reset. */
  setChaos(triggers: ChaosTriggers): Promise<ChaosTriggers> {
    return this.#json('PUT', 'api/v1/chaos', triggers);
  }

  /** Letterbox only: accept-and-discard or refuse with 421 until resumed (`'off'`). */
  setChaosPause(mode: ChaosPause['Mode']): Promise<ChaosPause> {
    return this.#json('PUT', 'api/v1/chaos/pause', { Mode: mode });
  }

  // ---- transport ----------------------------------------------------------------------------

  async #json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.#request(method, path, body);
    return (await response.json()) as T;
  }

  async #request(method: string, path: string, body?: unknown): Promise<Response> {
    const response = await this.#send(method, path, body);
    if (!response.ok) throw new LetterboxApiError(response.status, await response.text(), path);
    return response;
  }

  #send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json, text/plain;q=0.9, */*;q=0.5', ...this.#headers };
    const init: RequestInit = { method, headers };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    if (signal) init.signal = signal;
    return this.#fetch(new URL(path, this.baseUrl), init);
  }
}

/** `new LetterboxClient(baseUrl, options)`. */
export function createClient(baseUrl: string | URL, options: ClientOptions = {}): LetterboxClient {
  return new LetterboxClient(baseUrl, options);
}

function queryString(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, String(value));
  const text = search.toString();
  return text ? '?' + text : '';
}

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
