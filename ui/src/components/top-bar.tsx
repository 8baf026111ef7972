import type { Ref } from 'preact';
import type { ConnectionState } from '../live-events.js';
import type { Theme } from '../prefs.js';
import type { RouteState } from '../hooks/use-route.js';
import { Icon } from './icons.js';

const CONNECTION_TEXT: Record<ConnectionState, string> = { connecting: 'Connecting…', live: 'Live', offline: 'Offline, retrying' };

export interface TopBarProps {
  label: string;
  /** The team inbox shown, or '': its page links back to the inbox picker. */
  inbox: string;
  routing: RouteState;
  searchInput: Ref<HTMLInputElement>;
  connection: ConnectionState;
  theme: Theme;
  onTheme(theme: Theme): void;
  notify: boolean;
  onNotify(on: boolean): void;
  onHelp(): void;
}

/** The brand (home), the search box, and the tools: live state, theme, notifications, help. */
export function TopBar({ label, inbox, routing, searchInput, connection, theme, onTheme, notify, onNotify, onHelp }: TopBarProps) {
  const { route, navigate, draft, setDraft } = routing;
  return (
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
        {label && <span class="instance-label">{label}</span>}
      </a>
      {/* A team inbox lives at <webroot>inbox/<name>/; the picker is the webroot. */}
      {inbox && (
        <a class="picker-link" href="../../">
          Inboxes
        </a>
      )}
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
        <select id="theme" class="select" value={theme} onChange={(e) => onTheme(e.currentTarget.value as Theme)}>
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
            onClick={() => onNotify(!notify)}
          >
            <Icon name="bell" />
          </button>
        )}
        <button type="button" class="btn icon-btn" aria-label="Keyboard shortcuts and search help" title="Keyboard shortcuts (?)" onClick={onHelp}>
          ?
        </button>
      </div>
    </header>
  );
}
