import { useEffect, useRef, useState } from 'preact/hooks';
import { release, releases } from '../api.js';
import { watchReleases } from '../release-progress.js';
import { fullDate } from '../format.js';
import { isObject, objects, str, strings } from '../json.js';

/** Where release delivers: `server` is a smarthost `host:port` or `MX`; `allowed` the allow-list pattern ('' = anyone). */
export interface Relay {
  server: string;
  allowed: string;
}

interface Props {
  id: string;
  recipients: string[];
  relay: Relay;
  onClose: () => void;
}

/**
 * The server reports its allow-list as one regular expression (Mailpit's form); the
 * patterns it is built from read better: `^a@b\.c$` is a@b.c, `@b\.c$` is @b.c and
 * `@.+\.b\.c$` is *.b.c. A pattern of another shape is shown as it is.
 */
export function readableAllowList(pattern: string): string {
  if (!pattern) return '';
  const unescape = (text: string) => text.replace(/\\(.)/g, '$1');
  return pattern
    .split('|')
    .map((rule) => {
      const sub = /^@\.\+\\\.(.+)\$$/.exec(rule);
      if (sub?.[1]) return `*.${unescape(sub[1])}`;
      const exact = /^\^(.+)\$$/.exec(rule) ?? /^(@.+)\$$/.exec(rule);
      return exact?.[1] ? unescape(exact[1]) : rule;
    })
    .join(', ');
}

function RelayFacts({ relay }: { relay: Relay }) {
  return (
    <dl class="relay-facts">
      <dt>Relay</dt>
      <dd>{relay.server === 'MX' || relay.server === '' ? "MX lookup (each recipient's own mail server)" : <code>{relay.server}</code>}</dd>
      <dt>Allowed recipients</dt>
      <dd>{relay.allowed ? readableAllowList(relay.allowed) : 'any address'}</dd>
    </dl>
  );
}

interface ReleaseView {
  label: string;
  recipients: Array<{ address: string; status: string; reply: string }>;
  transcript: string;
}

/** GET /api/v1/message/{ID}/releases: `{Enabled, Releases: [{Created, Status, Mode, Recipients, Transcript}]}`. */
function toReleases(value: unknown): ReleaseView[] {
  if (!isObject(value)) return [];
  return objects(value, 'Releases').map((r) => ({
    label: [fullDate(str(r, 'Created')), str(r, 'Status'), str(r, 'Mode')].filter(Boolean).join(' · '),
    recipients: objects(r, 'Recipients').map((x) => ({ address: str(x, 'Address'), status: str(x, 'Status'), reply: str(x, 'Reply') })),
    transcript: strings(r, 'Transcript').join('\n'),
  }));
}

/** Release a caught message to real recipients, then show each attempt's outcome and SMTP transcript. */
export function ReleaseDialog({ id, recipients, relay, onClose }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [to, setTo] = useState(recipients.join(', '));
  const [busy, setBusy] = useState(false);
  // `retrying`: refused for now, tried again in the background; neither done nor failed.
  const [result, setResult] = useState<{ outcome: 'ok' | 'retrying' | 'error'; text: string } | null>(null);
  const [history, setHistory] = useState<ReleaseView[]>([]);

  const refresh = () =>
    releases(id).then(
      (v) => setHistory(toReleases(v)),
      () => setHistory([]),
    );
  useEffect(() => {
    dialog.current?.showModal();
    void refresh();
  }, [id]);
  // Each step of a release of this message, whoever started it and whichever node runs it.
  useEffect(() => watchReleases((messageId) => messageId === id && void refresh()), [id]);

  const submit = async (e: Event) => {
    e.preventDefault();
    const list = to
      .split(/[,;\s]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    if (list.length === 0) return setResult({ outcome: 'error', text: 'Give at least one recipient.' });
    setBusy(true);
    try {
      const { retrying, text } = await release(id, list);
      setResult(retrying ? { outcome: 'retrying', text } : { outcome: 'ok', text: text === 'ok' ? `Released to ${list.join(', ')}` : text });
    } catch (err) {
      setResult({ outcome: 'error', text: err instanceof Error ? err.message : String(err) });
    } finally {
      setBusy(false);
      void refresh();
    }
  };

  return (
    <dialog ref={dialog} class="dialog" aria-labelledby="release-title" onClose={onClose}>
      <form onSubmit={submit}>
        <h2 id="release-title">Release message</h2>
        <p class="muted">Deliver this message for real, to the recipients below.</p>
        <RelayFacts relay={relay} />
        <label class="field">
          Recipients
          <input type="text" value={to} onInput={(e) => setTo(e.currentTarget.value)} autoFocus />
        </label>
        {result && (
          <p class={{ ok: 'ok', retrying: 'muted', error: 'error' }[result.outcome]} role="status">
            {result.text}
          </p>
        )}
        {history.length > 0 && (
          <section aria-label="Past releases" class="releases">
            <h3>Attempts</h3>
            {history.map((h, i) => (
              <details key={i} open={i === history.length - 1}>
                <summary>{h.label}</summary>
                <table class="outcomes">
                  <thead>
                    <tr>
                      <th scope="col">Recipient</th>
                      <th scope="col">Outcome</th>
                      <th scope="col">Reply</th>
                    </tr>
                  </thead>
                  <tbody>
                    {h.recipients.map((r) => (
                      <tr key={r.address}>
                        <td>{r.address}</td>
                        <td class={`outcome-${r.status}`}>{r.status}</td>
                        <td>{r.reply}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                {h.transcript && (
                  <pre class="source transcript" aria-label="SMTP transcript" tabIndex={0}>
                    {h.transcript}
                  </pre>
                )}
              </details>
            ))}
          </section>
        )}
        <div class="dialog-actions">
          <button type="button" class="btn" onClick={() => dialog.current?.close()}>
            Close
          </button>
          <button type="submit" class="btn primary" disabled={busy}>
            {busy ? 'Releasing…' : 'Release'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
