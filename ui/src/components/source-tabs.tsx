import { useMemo, useState } from 'preact/hooks';
import { getHeaders, getRaw, rawUrl } from '../api.js';
import { mimeParts } from '../mime-parts.js';
import { useLoad } from '../hooks/use-load.js';

export function HeadersTab({ id }: { id: string }) {
  const { value, error } = useLoad(() => getHeaders(id), id);
  if (error) return <p role="alert">Could not load headers: {error}</p>;
  if (!value) return <p class="muted">Loading…</p>;
  return (
    <table class="headers">
      <tbody>
        {value.map(([name, v], i) => (
          <tr key={i}>
            <th scope="row">{name}</th>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The exact source, whole or one MIME part at a time. */
export function RawTab({ id }: { id: string }) {
  const { value, error } = useLoad(() => getRaw(id), id);
  const parts = useMemo(() => (value ? mimeParts(value) : []), [value]);
  const [part, setPart] = useState('');
  if (error) return <p role="alert">Could not load the source: {error}</p>;
  if (value === null) return <p class="muted">Loading…</p>;
  const shown = parts.find((p) => p.id === part)?.source ?? value;
  return (
    <div class="raw">
      <div class="raw-bar">
        {parts.length > 0 && (
          <label>
            Show{' '}
            <select class="select" value={part} onChange={(e) => setPart(e.currentTarget.value)}>
              <option value="">Whole message</option>
              {parts.map((p) => (
                <option key={p.id} value={p.id}>
                  Part {p.id} — {p.contentType}
                </option>
              ))}
            </select>
          </label>
        )}
        <a class="btn" href={rawUrl(id, true)} download={`${id}.eml`}>
          Download .eml
        </a>
      </div>
      <pre class="source" tabIndex={0} aria-label="Message source">
        {shown}
      </pre>
    </div>
  );
}
