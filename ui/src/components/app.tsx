import { useRef, useState } from 'preact/hooks';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useListModel } from '../hooks/use-list-model.js';
import { useLiveEvents } from '../hooks/use-live-events.js';
import { useMessageActions } from '../hooks/use-message-actions.js';
import { useNotify } from '../hooks/use-notify.js';
import { useRoute } from '../hooks/use-route.js';
import { useSelection } from '../hooks/use-selection.js';
import { useTheme } from '../hooks/use-theme.js';
import { useWebUi } from '../hooks/use-web-ui.js';
import { dialableAddress } from '../smtp-address.js';
import { HelpDialog } from './help-dialog.js';
import { ListToolbar } from './list-toolbar.js';
import { MessageList } from './message-list.js';
import { MessageView } from './message-view.js';
import { useShortcuts } from './shortcuts.js';
import { SplitHandle, useListWidth } from './split-handle.js';
import { TagPanel } from './tag-panel.js';
import { TopBar } from './top-bar.js';
import { tagQuery } from '../tag-query.js';

/** The inbox: the top bar, the list pane, the message pane, wired to the hooks that hold their state. */
export function App() {
  const routing = useRoute();
  const { route, navigate, searchFor } = routing;
  const model = useListModel(route.q);
  const selection = useSelection(model, route.q);
  const { selected, allSelected, cursor, setCursor, hasSelection, count, toggle } = selection;
  const ui = useWebUi();
  const [theme, setTheme] = useTheme();
  const [notify, setNotify] = useNotify();
  const [help, setHelp] = useState(false);
  const [listWidth, setListWidth] = useListWidth();
  const searchInput = useRef<HTMLInputElement>(null);
  useDocumentTitle(ui.Label, model.mailboxUnread);

  const openIndex = route.m ? model.indexOf(route.m) : -1;
  const neighbour = (offset: number): string | null => (openIndex >= 0 ? (model.items[openIndex + offset]?.ID ?? null) : null);
  const open = (id: string, index = model.indexOf(id)) => {
    if (index >= 0) setCursor(index);
    navigate({ q: route.q, m: id });
  };

  const deleted = (id: string) => {
    selection.forget(id);
    // Deleted elsewhere (another tab, a test, the API) while open here: nothing of it can be shown any more.
    if (route.m === id) navigate({ q: route.q, m: '' }, true);
  };
  const connection = useLiveEvents(model, { notify, deleted, open: (id) => open(id) });
  const { status, removeIds, deleteSelected, deleteAll, markUnread, mark } = useMessageActions(model, selection, { route, navigate, neighbour });

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
      <TopBar
        label={ui.Label}
        inbox={ui.Inbox}
        routing={routing}
        searchInput={searchInput}
        connection={connection}
        theme={theme}
        onTheme={setTheme}
        notify={notify}
        onNotify={setNotify}
        onHelp={() => setHelp(true)}
      />

      <main class="panes" style={{ '--list-width': `${listWidth}px` }}>
        <section class="list-pane" id="list-pane" aria-label="Message list">
          <ListToolbar
            allSelected={allSelected}
            picked={selected.size}
            count={count}
            summary={listCount}
            unread={model.unread}
            showDeleteAll={!ui.HideDeleteAllButton && model.mailboxTotal > 0 && !route.q}
            onSelectAll={selection.selectAll}
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
            inbox={ui.Inbox}
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
