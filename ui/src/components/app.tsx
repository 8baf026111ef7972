import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { deleteMessages, getWebUi, setRead } from '../api.js';
import { shortAddress } from '../format.js';
import { ListModel } from '../list-model.js';
import { type ConnectionState, connectLive } from '../live-events.js';
import { applyTheme, enableNotify, loadNotify, loadTheme, type Theme } from '../prefs.js';
import { NO_WEBUI, type WebUi } from '../types.js';
import { dialableAddress } from '../smtp-address.js';
import { pushRoute, readRoute, type Route } from '../url-state.js';
import { HelpDialog } from './help-dialog.js';
import { Icon } from './icons.js';
import { ListToolbar } from './list-toolbar.js';
import { MessageList } from './message-list.js';
import { MessageView } from './message-view.js';
import { useShortcuts } from './shortcuts.js';
import { SplitHandle, useListWidth } from './split-handle.js';
import { TagPanel } from './tag-panel.js';
import { tagQuery } from '../tag-query.js';

const CONNECTION_TEXT: Record<ConnectionState, string> = { connecting: 'Connecting…', live: 'Live', offline: 'Offline, retrying' };

export function App() {
  const [route, setRoute] = useState<Route>(readRoute);
  // The first page is asked for before the first render, so it can arrive (from the
  // preload in index.html) while the app paints its frame.
  const model = useMemo(() => {
    const created = new ListModel();
    void created.reset(route.q);
    return created;
  }, []);
  const [, setTick] = useState(0);
  const firstQuery = useRef(true);
  const [draft, setDraft] = useState(route.q);
  const [ui, setUi] = useState<WebUi>(NO_WEBUI);
  const [connection, setConnection] = useState<ConnectionState>('connecting');
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const [allSelected, setAllSelected] = useState(false);
  const [cursor, setCursor] = useState(0);
  const [anchor, setAnchor] = useState(-1);
  const [help, setHelp] = useState(false);
  const [theme, setTheme] = useState<Theme>(loadTheme);
  const [notify, setNotify] = useState(loadNotify);
  const [status, setStatus] = useState('');
  const [listWidth, setListWidth] = useListWidth();
  const searchInput = useRef<HTMLInputElement>(null);
  const notifyRef = useRef(notify);
  notifyRef.current = notify;
  const openRef = useRef<(id: string) => void>(() => undefined);

  useEffect(() => model.subscribe(() => setTick((n) => n + 1)), [model]);

  useEffect(() => {
    getWebUi().then(setUi, () => undefined);
    const onPop = () => {
      const next = readRoute();
      setRoute(next);
      setDraft(next.q);
    };
    addEventListener('popstate', onPop);
    const stop = connectLive(
      (event) => {
        model.apply(event);
        if (event.type === 'delete') setSelected((s) => (s.has(event.id) ? new Set([...s].filter((x) => x !== event.id)) : s));
        if (event.type === 'new' && notifyRef.current && document.hidden) {
          const note = new Notification(event.summary.Subject || '(no subject)', { body: `From ${shortAddress(event.summary.From)}`, tag: event.summary.ID });
          note.onclick = () => {
            window.focus();
            openRef.current(event.summary.ID);
          };
        }
      },
      (state, reconnected) => {
        setConnection(state);
        if (reconnected) void model.reset();
      },
    );
    return () => {
      stop();
      removeEventListener('popstate', onPop);
    };
  }, [model]);

  useEffect(() => {
    if (firstQuery.current) {
      firstQuery.current = false;
      return;
    }
    void model.reset(route.q);
    setSelected(new Set());
    setAllSelected(false);
    setCursor(0);
  }, [model, route.q]);

  const label = ui.Label ? `${ui.Label} · Letterbox` : 'Letterbox';
  useEffect(() => {
    document.title = model.mailboxUnread > 0 ? `(${model.mailboxUnread}) ${label}` : label;
  }, [label, model.mailboxUnread]);

  const navigate = (next: Route, replace = false) => {
    pushRoute(next, replace);
    setRoute(next);
  };

  const openIndex = route.m ? model.indexOf(route.m) : -1;
  const neighbour = (offset: number): string | null => (openIndex >= 0 ? (model.items[openIndex + offset]?.ID ?? null) : null);
  const open = (id: string, index = model.indexOf(id)) => {
    if (index >= 0) setCursor(index);
    navigate({ q: route.q, m: id });
  };

  openRef.current = (id) => open(id);

  const searchFor = (q: string) => {
    setDraft(q);
    navigate({ q, m: '' });
  };

  const targets = (): { ids: string[] } | { search: string } | 'all' =>
    allSelected ? (route.q ? { search: route.q } : 'all') : { ids: [...selected] };
  const hasSelection = allSelected || selected.size > 0;
  const count = allSelected ? model.total : selected.size;

  const run = async (what: string, action: () => Promise<void>) => {
    try {
      await action();
      setStatus(what);
    } catch (err) {
      setStatus(`Failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  const removeIds = async (ids: string[]) => {
    if (route.m && ids.includes(route.m)) {
      const next = neighbour(1) ?? neighbour(-1);
      navigate({ q: route.q, m: next ?? '' }, true);
    }
    await run(`Deleted ${ids.length} message${ids.length === 1 ? '' : 's'}`, () => deleteMessages({ ids }));
    setSelected(new Set());
  };

  const deleteSelected = async () => {
    if (allSelected) {
      if (!confirm(`Delete all ${model.total} ${route.q ? 'matching ' : ''}messages?`)) return;
      const target = targets();
      await run('Deleted', () => deleteMessages(target));
      setAllSelected(false);
      navigate({ q: route.q, m: '' }, true);
      await model.reset();
    } else await removeIds([...selected]);
  };

  const deleteAll = async () => {
    if (!confirm('Delete every message in the inbox?')) return;
    await run('Deleted all messages', () => deleteMessages('all'));
    setSelected(new Set());
    setAllSelected(false);
    navigate({ q: route.q, m: '' }, true);
    await model.reset();
  };

  const markUnread = async (id: string) => {
    model.markLocal(new Set([id]), false);
    await run('Marked unread', () => setRead(false, { ids: [id] }));
  };

  const mark = async (read: boolean) => {
    const target = targets();
    model.markLocal(target === 'all' || 'search' in target ? 'all' : new Set(target.ids), read);
    await run(read ? 'Marked read' : 'Marked unread', () => setRead(read, target));
  };

  const toggle = (id: string, index: number, range: boolean) => {
    const next = new Set(allSelected ? model.items.filter((m) => m !== null).map((m) => m.ID) : selected);
    if (range && anchor >= 0) {
      const on = !next.has(id);
      for (let i = Math.min(anchor, index); i <= Math.max(anchor, index); i++) {
        const m = model.items[i];
        if (m) on ? next.add(m.ID) : next.delete(m.ID);
      }
    } else if (next.has(id)) next.delete(id);
    else next.add(id);
    setAnchor(index);
    setAllSelected(false);
    setSelected(next);
  };

  useShortcuts({
    next: () => {
      if (route.m) neighbour(1) && open(neighbour(1) ?? '', openIndex + 1);
      else setCursor((c) => Math.min(model.total - 1, c + 1));
    },
    prev: () => {
      if (route.m) neighbour(-1) && open(neighbour(-1) ?? '', openIndex - 1);
      else setCursor((c) => Math.max(0, c - 1));
    },
    enter: () => {
      const m = model.items[cursor];
      if (m) open(m.ID, cursor);
    },
    toggle: () => {
      const m = model.items[cursor];
      if (m) toggle(m.ID, cursor, false);
    },
    remove: () => {
      if (hasSelection) void deleteSelected();
      else if (route.m) void removeIds([route.m]);
    },
    search: () => searchInput.current?.focus(),
    help: () => setHelp(true),
    escape: () => {
      if (route.m) navigate({ q: route.q, m: '' });
    },
  });

  const smtpAt = dialableAddress(ui.SMTPAddress);
  const listCount = route.q ? `${model.total} match${model.total === 1 ? '' : 'es'}` : `${model.total} message${model.total === 1 ? '' : 's'}`;

  return (
    <div class={`app${route.m ? ' has-open' : ''}${model.loaded && model.mailboxTotal === 0 && !route.q && !route.m ? ' is-empty' : ''}`}>
      <header class="topbar">
        <a
          class="brand"
          href="./"
          onClick={(e) => {
            e.preventDefault();
            setDraft('');
            navigate({ q: '', m: '' });
          }}
        >
          <svg viewBox="0 0 16 16" width="22" height="22" aria-hidden="true">
            <rect x="1" y="3" width="14" height="10" rx="2" fill="currentColor" />
            <path d="M2 4.5l6 4.5 6-4.5" stroke="var(--bg)" stroke-width="1.4" fill="none" />
          </svg>
          <span class="brand-name">Letterbox</span>
          {ui.Label && <span class="instance-label">{ui.Label}</span>}
        </a>
        <form
          role="search"
          class="search"
          onSubmit={(e) => {
            e.preventDefault();
            navigate({ q: draft.trim(), m: '' });
          }}
        >
          <Icon name="search" />
          <input
            ref={searchInput}
            id="search"
            type="search"
            aria-label="Search messages"
            placeholder="Search   from:  subject:  is:unread  has:attachment …"
            value={draft}
            onInput={(e) => {
              setDraft(e.currentTarget.value);
              if (e.currentTarget.value === '' && route.q) navigate({ q: '', m: route.m });
            }}
            onKeyDown={(e) => {
              if (e.key === 'Escape') e.currentTarget.blur();
            }}
          />
        </form>
        <div class="top-tools">
          <span class={`conn conn-${connection}`} role="status" aria-live="polite">
            <span class="dot" aria-hidden="true" />
            {CONNECTION_TEXT[connection]}
          </span>
          <label class="sr-only" for="theme">
            Theme
          </label>
          <select
            id="theme"
            class="select"
            value={theme}
            onChange={(e) => {
              const t = e.currentTarget.value as Theme;
              setTheme(t);
              applyTheme(t);
            }}
          >
            <option value="auto">Auto</option>
            <option value="light">Light</option>
            <option value="dark">Dark</option>
          </select>
          {'Notification' in window && (
            <button
              type="button"
              class="btn icon-btn"
              aria-pressed={notify}
              aria-label="Browser notifications for new mail"
              title="Browser notifications for new mail"
              onClick={() => void enableNotify(!notify).then(setNotify)}
            >
              <Icon name="bell" />
            </button>
          )}
          <button type="button" class="btn icon-btn" aria-label="Keyboard shortcuts and search help" title="Keyboard shortcuts (?)" onClick={() => setHelp(true)}>
            ?
          </button>
        </div>
      </header>

      <main class="panes" style={{ '--list-width': `${listWidth}px` }}>
        <section class="list-pane" id="list-pane" aria-label="Message list">
          <ListToolbar
            allSelected={allSelected}
            picked={selected.size}
            count={count}
            summary={listCount}
            unread={model.unread}
            showDeleteAll={!ui.HideDeleteAllButton && model.mailboxTotal > 0 && !route.q}
            onSelectAll={(all) => {
              setAllSelected(all);
              setSelected(new Set());
            }}
            onMark={(read) => void mark(read)}
            onDelete={() => void deleteSelected()}
            onDeleteAll={() => void deleteAll()}
          />
          <TagPanel changes={model.version} query={route.q} onSearch={searchFor} />
          <MessageList
            model={model}
            query={route.q}
            openId={route.m}
            cursor={cursor}
            selected={selected}
            allSelected={allSelected}
            onToggle={toggle}
            onOpen={open}
            onRetry={() => void model.reset()}
            onTag={(tag) => searchFor(tagQuery(tag))}
            smtpAddress={ui.SMTPAddress}
          />
        </section>
        <SplitHandle width={listWidth} onChange={setListWidth} controls="list-pane" />
        <section class="view-pane" aria-label="Message">
          {route.m ? (
            <MessageView
              id={route.m}
              relay={ui.MessageRelay.Enabled ? { server: ui.MessageRelay.SMTPServer, allowed: ui.MessageRelay.AllowedRecipients } : null}
              spamEnabled={ui.SpamAssassin}
              prevId={neighbour(-1)}
              nextId={neighbour(1)}
              onGo={(id) => open(id)}
              onClose={() => navigate({ q: route.q, m: '' })}
              onDelete={(id) => void removeIds([id])}
              onLoaded={(id) => model.markLocal(new Set([id]), true)}
              onMarkUnread={(id) => void markUnread(id)}
              onTag={(tag) => searchFor(tagQuery(tag))}
            />
          ) : (
            <div class="state muted placeholder-view">
              <p>Select a message to read it.</p>
              {smtpAt && (
                <p>
                  Mail sent over SMTP to <code>{smtpAt.text}</code> appears in the list as it arrives.
                </p>
              )}
              <p>
                Press <kbd>?</kbd> for keyboard shortcuts.
              </p>
            </div>
          )}
        </section>
      </main>
      <div class="sr-only" role="status" aria-live="polite">
        {status}
      </div>
      {help && <HelpDialog onClose={() => setHelp(false)} />}
    </div>
  );
}
