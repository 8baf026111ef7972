import { useEffect, useState } from 'preact/hooks';
import { checkLinks, type LinkStatus } from '../api.js';

type State = { kind: 'idle' } | { kind: 'checking' } | { kind: 'done'; errors: number; links: LinkStatus[] } | { kind: 'failed'; error: string };

/**
 * Mailpit's link check: the server asks each link of the message for its status. Run
 * only on request, since it sends requests out to the links' hosts.
 */
export function LinksTab({ id }: { id: string }) {
  const [follow, setFollow] = useState(false);
  const [state, setState] = useState<State>({ kind: 'idle' });
  useEffect(() => setState({ kind: 'idle' }), [id]);

  const run = () => {
    setState({ kind: 'checking' });
    checkLinks(id, follow).then(
      (result) => setState({ kind: 'done', ...result }),
      (err: unknown) => setState({ kind: 'failed', error: err instanceof Error ? err.message : String(err) }),
    );
  };

  return (
    <div class="links">
      <div class="raw-bar">
        <button type="button" class="btn" onClick={run} disabled={state.kind === 'checking'}>
          {state.kind === 'checking' ? 'Checking…' : 'Check links'}
        </button>
        <label>
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.currentTarget.checked)} /> Follow redirects
        </label>
      </div>
      {state.kind === 'idle' && <p class="muted">Asks every link and image in this message for its HTTP status, from the server.</p>}
      {state.kind === 'failed' && <p role="alert">Could not check the links: {state.error}</p>}
      {state.kind === 'done' && state.links.length === 0 && <p class="muted">This message has no links.</p>}
      {state.kind === 'done' && state.links.length > 0 && (
        <>
          <p role="status">
            {state.links.length} link{state.links.length === 1 ? '' : 's'} checked, {state.errors === 0 ? 'no errors' : `${state.errors} with errors`}.
          </p>
          <table class="headers link-results">
            <tbody>
              {state.links.map((link) => (
                <tr key={link.url} class={link.code === 0 || link.code >= 400 ? 'link-bad' : 'link-ok'}>
                  <th scope="row">{link.code || '—'}</th>
                  <td>
                    <a href={link.url} target="_blank" rel="noopener noreferrer">
                      {link.url}
                    </a>
                    <span class="muted"> {link.status}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
