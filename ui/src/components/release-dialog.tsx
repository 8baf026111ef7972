import { useEffect, useRef, useState } from 'preact/hooks';
import { release, releases } from '../api.js';
import { isObject, type Json } from '../json.js';

interface Props {
  id: string;
  recipients: string[];
  onClose: () => void;
}

/** One line of a past release as the server reports it, whatever its exact field names. */
function describe(value: unknown): Array<{ label: string; detail: string; transcript: string }> {
  const list = Array.isArray(value) ? value : isObject(value) ? (Object.values(value).find(Array.isArray) ?? []) : [];
  return list.filter(isObject).map((item: Json) => {
    const pick = (...keys: string[]) => {
      for (const k of keys) {
        const v = item[k];
        if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
      }
      return '';
    };
    const recipients = Array.isArray(item['Recipients']) ? item['Recipients'] : Array.isArray(item['Outcomes']) ? item['Outcomes'] : [];
    const outcomes = recipients
      .filter(isObject)
      .map((r) => `${String(r['Recipient'] ?? r['Address'] ?? r['To'] ?? '')}: ${String(r['Outcome'] ?? r['Status'] ?? '')} ${String(r['Reply'] ?? r['Response'] ?? r['Message'] ?? '')}`.trim());
    const transcript = item['Transcript'];
    return {
      label: [pick('Created', 'Time', 'Started', 'At'), pick('Outcome', 'Status', 'Result')].filter(Boolean).join(' — ') || 'Release',
      detail: outcomes.join('\n') || pick('Error', 'Message', 'Reply'),
      transcript: Array.isArray(transcript) ? transcript.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') : typeof transcript === 'string' ? transcript : '',
    };
  });
}

/** Release a caught message to real recipients, then show each attempt's outcome and SMTP transcript. */
export function ReleaseDialog({ id, recipients, onClose }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [to, setTo] = useState(recipients.join(', '));
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const [history, setHistory] = useState<ReturnType<typeof describe>>([]);

  const refresh = () =>
    releases(id).then(
      (v) => setHistory(describe(v)),
      () => setHistory([]),
    );
  useEffect(() => {
    dialog.current?.showModal();
    void refresh();
  }, [id]);

  const submit = async (e: Event) => {
    e.preventDefault();
    const list = to
      .split(/[,;\s]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    if (list.length === 0) return setResult({ ok: false, text: 'Give at least one recipient.' });
    setBusy(true);
    try {
      const text = await release(id, list);
      setResult({ ok: true, text: text === 'ok' ? `Released to ${list.join(', ')}` : text });
    } catch (err) {
      setResult({ ok: false, text: err instanceof Error ? err.message : String(err) });
    } finally {
      setBusy(false);
      void refresh();
    }
  };

  return (
    <dialog ref={dialog} class="dialog" aria-labelledby="release-title" onClose={onClose}>
      <form onSubmit={submit}>
        <h2 id="release-title">Release message</h2>
        <p class="muted">Deliver this message for real, to the recipients below, through the configured relay or their MX.</p>
        <label class="field">
          Recipients
          <input type="text" value={to} onInput={(e) => setTo(e.currentTarget.value)} autoFocus />
        </label>
        {result && (
          <p class={result.ok ? 'ok' : 'error'} role="status">
            {result.text}
          </p>
        )}
        {history.length > 0 && (
          <section aria-label="Past releases" class="releases">
            <h3>Attempts</h3>
            {history.map((h, i) => (
              <details key={i} open={i === history.length - 1}>
                <summary>{h.label}</summary>
                {h.detail && <pre class="source">{h.detail}</pre>}
                {h.transcript && <pre class="source" aria-label="SMTP transcript">{h.transcript}</pre>}
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
