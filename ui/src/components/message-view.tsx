import { useEffect, useMemo, useState } from 'preact/hooks';
import { getMessage, setTags } from '../api.js';
import { formatAddress, formatSize, fullDate } from '../format.js';
import { countRemote } from '../remote-content.js';
import type { Address, Message } from '../types.js';
import { AttachmentsTab } from './attachments-tab.js';
import { HtmlCheckTab } from './html-check-tab.js';
import { HtmlPreview, type PreviewWidth } from './html-preview.js';
import { Icon } from './icons.js';
import { type Relay, ReleaseDialog } from './release-dialog.js';
import { ScreenshotButton } from './screenshot-button.js';
import { LinksTab } from './links-tab.js';
import { SpamTab } from './spam-tab.js';
import { HeadersTab, RawTab } from './source-tabs.js';
import { TagsEditor } from './tags-editor.js';

type Tab = 'html' | 'text' | 'headers' | 'raw' | 'attachments' | 'links' | 'html-check' | 'spam';

interface Props {
  id: string;
  /** Where release delivers, or null when release is off. */
  relay: Relay | null;
  spamEnabled: boolean;
  prevId: string | null;
  nextId: string | null;
  onGo: (id: string) => void;
  onClose: () => void;
  onDelete: (id: string) => void;
  onLoaded: (id: string) => void;
  onMarkUnread: (id: string) => void;
  /** Lists the messages carrying a tag. */
  onTag: (tag: string) => void;
}

function AddressRow({ label, list, total = list.length }: { label: string; list: Array<Address | null> | string[]; total?: number }) {
  const text = list.map((a) => (typeof a === 'string' ? a : formatAddress(a))).filter(Boolean);
  if (text.length === 0) return null;
  // The server sends a long list cut short, with its full count.
  const more = total - list.length;
  return (
    <>
      <dt>{label}</dt>
      <dd>
        {text.join(', ')}
        {more > 0 && <span class="muted">{` and ${more.toLocaleString()} more`}</span>}
      </dd>
    </>
  );
}

/** One message: its addresses and envelope, its bodies in tabs, tags, release, prev/next. */
export function MessageView(props: Props) {
  const [message, setMessage] = useState<Message | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tagRefusal, setTagRefusal] = useState('');
  const [tab, setTab] = useState<Tab>('html');
  const [width, setWidth] = useState<PreviewWidth>('desktop');
  const [allowRemote, setAllowRemote] = useState(false);
  const [releasing, setReleasing] = useState(false);

  useEffect(() => {
    let live = true;
    setError(null);
    setTagRefusal('');
    setAllowRemote(false);
    getMessage(props.id).then(
      (m) => {
        if (!live) return;
        setMessage(m);
        setTab((t) => (t === 'html' && !m.HTML ? 'text' : t === 'text' && m.HTML && !m.Text ? 'html' : t));
        props.onLoaded(m.ID);
      },
      (err: unknown) => live && setError(err instanceof Error ? err.message : String(err)),
    );
    return () => {
      live = false;
    };
  }, [props.id]);

  const remote = useMemo(() => (message?.HTML ? countRemote(message.HTML) : 0), [message?.ID, message?.HTML]);

  if (error) {
    return (
      <div class="state" role="alert">
        <p class="state-title">Message not available</p>
        <p>{error}</p>
        <button type="button" class="btn" onClick={props.onClose}>
          Back to the list
        </button>
      </div>
    );
  }
  if (!message || message.ID !== props.id) return <div class="state muted">Loading…</div>;

  const parts = message.Attachments.length + message.Inline.length;
  const tabs: Array<[Tab, string]> = [];
  if (message.HTML) tabs.push(['html', 'HTML']);
  tabs.push(['text', 'Text'], ['headers', 'Headers'], ['raw', 'Raw']);
  if (parts > 0) tabs.push(['attachments', `Attachments (${parts})`]);
  tabs.push(['links', 'Link check']);
  if (message.HTML) tabs.push(['html-check', 'HTML check']);
  if (props.spamEnabled) tabs.push(['spam', 'Spam']);
  const current = tabs.some(([t]) => t === tab) ? tab : (tabs[0]?.[0] ?? 'text');
  const recipients = message.Envelope?.To.length ? message.Envelope.To : [...message.To, ...message.Cc, ...message.Bcc].map((a) => a.Address);

  // A change the server refuses is taken back and said beside the tags; the message stays open.
  const saveTags = (tags: string[]) => {
    const before = message;
    setMessage({ ...message, Tags: tags });
    setTagRefusal('');
    setTags(message.ID, tags).catch((err: unknown) => {
      setMessage(before);
      setTagRefusal(err instanceof Error ? err.message : String(err));
    });
  };

  return (
    <article class="message" aria-labelledby="message-subject">
      <div class="message-bar" role="toolbar" aria-label="Message actions">
        <button type="button" class="btn icon-btn back" onClick={props.onClose} aria-label="Back to the list">
          <Icon name="close" />
        </button>
        <button type="button" class="btn icon-btn" disabled={!props.prevId} onClick={() => props.prevId && props.onGo(props.prevId)} aria-label="Newer message (k)">
          <Icon name="prev" />
        </button>
        <button type="button" class="btn icon-btn" disabled={!props.nextId} onClick={() => props.nextId && props.onGo(props.nextId)} aria-label="Older message (j)">
          <Icon name="next" />
        </button>
        <span class="spacer" />
        <button type="button" class="btn" onClick={() => props.onMarkUnread(message.ID)} title="Mark unread and keep it open">
          <Icon name="unread" /> Mark unread
        </button>
        {props.relay && (
          <button type="button" class="btn" onClick={() => setReleasing(true)}>
            <Icon name="send" /> Release
          </button>
        )}
        <button type="button" class="btn danger" onClick={() => props.onDelete(message.ID)}>
          <Icon name="trash" /> Delete
        </button>
      </div>

      <header class="message-head">
        <h1 id="message-subject">{message.Subject || '(no subject)'}</h1>
        <dl class="addresses">
          <AddressRow label="From" list={[message.From]} />
          <AddressRow label="To" list={message.To} total={message.ToCount} />
          <AddressRow label="Cc" list={message.Cc} total={message.CcCount} />
          <AddressRow label="Bcc" list={message.Bcc} total={message.BccCount} />
          <AddressRow label="Reply-To" list={message.ReplyTo} total={message.ReplyToCount} />
          <dt>Date</dt>
          <dd>
            <time dateTime={message.Date}>{fullDate(message.Date)}</time> · {formatSize(message.Size)}
          </dd>
          {message.Envelope && (
            <>
              <dt>Envelope</dt>
              <dd class="envelope">
                MAIL FROM:&lt;{message.Envelope.From}&gt; · RCPT TO: {message.Envelope.To.map((t) => `<${t}>`).join(', ')}
              </dd>
            </>
          )}
          <dt>Tags</dt>
          <dd>
            <TagsEditor tags={message.Tags} onChange={saveTags} onOpen={props.onTag} refused={tagRefusal} />
          </dd>
        </dl>
      </header>

      <div class="tabs-bar">
        <div role="tablist" aria-label="Message parts" class="tabs">
          {tabs.map(([t, label]) => (
            <button
              key={t}
              type="button"
              role="tab"
              id={`tab-${t}`}
              aria-selected={current === t}
              aria-controls="tab-panel"
              tabIndex={current === t ? 0 : -1}
              class="tab"
              onClick={() => setTab(t)}
              onKeyDown={(e) => {
                const i = tabs.findIndex(([x]) => x === t);
                const to = e.key === 'ArrowRight' ? tabs[(i + 1) % tabs.length] : e.key === 'ArrowLeft' ? tabs[(i - 1 + tabs.length) % tabs.length] : undefined;
                if (to) {
                  setTab(to[0]);
                  document.getElementById(`tab-${to[0]}`)?.focus();
                }
              }}
            >
              {label}
            </button>
          ))}
        </div>
        {current === 'html' && (
          <div class="preview-tools">
            <div role="radiogroup" aria-label="Preview width" class="seg">
              {(['phone', 'tablet', 'desktop'] as const).map((w) => (
                <button key={w} type="button" role="radio" aria-checked={width === w} class="seg-btn" onClick={() => setWidth(w)}>
                  {w[0]?.toUpperCase() + w.slice(1)}
                </button>
              ))}
            </div>
            {message.HTML && <ScreenshotButton id={message.ID} subject={message.Subject} allowRemote={allowRemote} width={width} />}
          </div>
        )}
      </div>

      {message.ParseError && (
        <div class="parse-notice" role="note" aria-label="Parse notice">
          {message.ParseError}
        </div>
      )}

      <div id="tab-panel" role="tabpanel" aria-labelledby={`tab-${current}`} class="tab-panel">
        {current === 'html' && message.HTML && (
          <>
            {remote > 0 && (
              <div class="remote-bar">
                <span>{allowRemote ? 'Remote content is loaded.' : `${remote} remote item${remote === 1 ? '' : 's'} blocked, so tracking pixels do not fire.`}</span>
                <label class="switch">
                  <input type="checkbox" role="switch" checked={allowRemote} onChange={(e) => setAllowRemote(e.currentTarget.checked)} /> Load remote content
                </label>
              </div>
            )}
            <HtmlPreview id={message.ID} allowRemote={allowRemote} title={`HTML body of "${message.Subject || '(no subject)'}"`} width={width} />
          </>
        )}
        {current === 'text' && (
          <pre class="text-body" tabIndex={0} aria-label="Text body">
            {message.Text || '(this message has no text part)'}
          </pre>
        )}
        {current === 'headers' && <HeadersTab id={message.ID} />}
        {current === 'raw' && <RawTab id={message.ID} />}
        {current === 'attachments' && <AttachmentsTab message={message} />}
        {current === 'links' && <LinksTab id={message.ID} />}
        {current === 'html-check' && <HtmlCheckTab id={message.ID} html={message.HTML} />}
        {current === 'spam' && <SpamTab id={message.ID} />}
      </div>
      {releasing && props.relay && <ReleaseDialog id={message.ID} recipients={recipients} relay={props.relay} onClose={() => setReleasing(false)} />}
    </article>
  );
}
