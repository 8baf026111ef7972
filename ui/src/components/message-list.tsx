import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { formatSize, listDate, shortAddress } from '../format.js';
import type { ListModel } from '../list-model.js';
import type { Summary } from '../types.js';
import { EmptyInbox } from './empty-inbox.js';
import { Icon } from './icons.js';
import { routeHref } from '../url-state.js';

export const ROW_HEIGHT = 68;
const OVERSCAN = 8;

/** The first recipient, and how many more (the list entry may carry only the first few). */
function recipients(m: Summary): string {
  const first = m.To[0] ?? m.Cc[0];
  if (!first) return '';
  const total = m.ToCount + m.CcCount;
  return total > 1 ? `${shortAddress(first)} +${total - 1}` : shortAddress(first);
}

interface Props {
  model: ListModel;
  query: string;
  openId: string;
  cursor: number;
  selected: ReadonlySet<string>;
  allSelected: boolean;
  onToggle: (id: string, index: number, range: boolean) => void;
  onOpen: (id: string, index: number) => void;
  onRetry: () => void;
  /** Lists the messages carrying a tag. */
  onTag: (tag: string) => void;
  /** Where SMTP listens, for the empty inbox's advice. */
  smtpAddress: string;
  /** The team inbox shown, or ''. */
  inbox: string;
}

/**
 * The message list, virtualised: only the rows in view (plus a few) exist in the DOM,
 * absolutely placed in a spacer as tall as the whole result, so scrolling 100,000
 * messages is as cheap as scrolling fifty. Pages load as they come into view.
 */
export function MessageList(props: Props) {
  const { model } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(800);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    // The observer reports the first size after layout, without forcing one here.
    const observer = new ResizeObserver(([entry]) => entry && setHeight(entry.contentRect.height));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const total = model.total;
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(total - 1, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);

  useEffect(() => model.ensure(first, last), [model, first, last, model.version]);

  // Keep the keyboard cursor in view.
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const top = props.cursor * ROW_HEIGHT;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_HEIGHT > el.scrollTop + el.clientHeight) el.scrollTop = top + ROW_HEIGHT - el.clientHeight;
  }, [props.cursor]);

  // A new search starts at the top.
  useEffect(() => {
    if (scroller.current) scroller.current.scrollTop = 0;
  }, [props.query]);

  const frame = useRef(0);
  const onScroll = () => {
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => setScrollTop(scroller.current?.scrollTop ?? 0));
  };

  if (!model.loaded && model.error) {
    return (
      <div class="state" role="alert">
        <p>Could not load messages: {model.error}</p>
        <button type="button" class="btn" onClick={props.onRetry}>
          Try again
        </button>
      </div>
    );
  }
  if (model.loaded && total === 0) {
    return props.query ? (
      <div class="state">
        <p class="state-title">No messages match</p>
        <p>
          Nothing matches <code>{props.query}</code>.
        </p>
      </div>
    ) : (
      <EmptyInbox smtpAddress={props.smtpAddress} inbox={props.inbox} />
    );
  }

  const rows = [];
  for (let i = first; i <= last; i++) {
    const m = model.items[i];
    const style = { top: `${i * ROW_HEIGHT}px` };
    if (!m) {
      rows.push(
        <li key={`p${i}`} class="row placeholder" style={style} aria-setsize={total} aria-posinset={i + 1}>
          <span class="sr-only">Loading</span>
          <span class="bar" aria-hidden="true" />
        </li>,
      );
      continue;
    }
    const checked = props.allSelected || props.selected.has(m.ID);
    const classes = ['row', m.Read ? 'read' : 'unread', checked ? 'checked' : '', m.ID === props.openId ? 'open' : '', i === props.cursor ? 'cursor' : ''];
    const subject = m.Subject || '(no subject)';
    const to = recipients(m);
    rows.push(
      <li key={m.ID} class={classes.join(' ')} style={style} aria-setsize={total} aria-posinset={i + 1} data-id={m.ID}>
        <input
          type="checkbox"
          class="row-check"
          aria-label={`Select "${subject}"`}
          checked={checked}
          onClick={(e) => props.onToggle(m.ID, i, e.shiftKey)}
        />
        <div class="row-body">
          <a
            class="row-link"
            href={routeHref({ q: props.query, m: m.ID })}
            aria-current={m.ID === props.openId ? 'true' : undefined}
            onClick={(e) => {
              if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
              e.preventDefault();
              props.onOpen(m.ID, i);
            }}
          >
            <span class="row-top">
              <span class="people">
                <span class="from">
                  {!m.Read && <span class="sr-only">Unread: </span>}
                  {shortAddress(m.From) || '(no sender)'}
                </span>
                {to && (
                  <span class="to">
                    <span aria-hidden="true"> → </span>
                    <span class="sr-only">, to </span>
                    {to}
                  </span>
                )}
              </span>
              {m.Attachments > 0 && (
                <span class="clip" title={`${m.Attachments} attachment(s)`}>
                  <Icon name="clip" />
                  <span class="sr-only">{m.Attachments} attachments</span>
                </span>
              )}
              <time dateTime={m.Created}>{listDate(m.Created)}</time>
            </span>
            <span class="subject-line">
              <span class="subject">{subject}</span>
              <span class="size">
                <span class="sr-only">, </span>
                {formatSize(m.Size)}
              </span>
            </span>
          </a>
          <span class="snippet">
            {m.Tags.map((t) => (
              <button type="button" class="tag tag-filter" key={t} title={`Show messages tagged ${t}`} onClick={() => props.onTag(t)}>
                {t}
              </button>
            ))}
            {m.Snippet}
          </span>
        </div>
      </li>,
    );
  }

  return (
    <div class="list-scroll" ref={scroller} onScroll={onScroll}>
      <ul class="rows" style={{ height: `${total * ROW_HEIGHT}px` }} aria-label={props.query ? 'Search results' : 'Messages'}>
        {rows}
      </ul>
    </div>
  );
}
