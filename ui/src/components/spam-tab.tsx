import { useEffect, useState } from 'preact/hooks';
import { checkSpam, type SpamReport } from '../api.js';

type State = { kind: 'checking' } | { kind: 'done'; report: SpamReport } | { kind: 'failed'; error: string };

/** SpamAssassin's verdict, asked of the server's spamd when the tab opens (it stays on this machine). */
export function SpamTab({ id }: { id: string }) {
  const [state, setState] = useState<State>({ kind: 'checking' });
  useEffect(() => {
    let live = true;
    setState({ kind: 'checking' });
    checkSpam(id).then(
      (report) => live && setState(report.error ? { kind: 'failed', error: report.error } : { kind: 'done', report }),
      (err: unknown) => live && setState({ kind: 'failed', error: err instanceof Error ? err.message : String(err) }),
    );
    return () => {
      live = false;
    };
  }, [id]);

  if (state.kind === 'checking') return <p class="muted" role="status">Asking SpamAssassin…</p>;
  if (state.kind === 'failed') return <p role="alert">SpamAssassin could not check this message: {state.error}</p>;
  const { report } = state;
  return (
    <div class="spam">
      <p role="status" class={report.isSpam ? 'spam-verdict spam-yes' : 'spam-verdict spam-no'}>
        Score <strong>{report.score.toFixed(1)}</strong>: {report.isSpam ? 'SpamAssassin would mark this message as spam.' : 'not spam.'}
      </p>
      {report.rules.length > 0 && (
        <table class="headers spam-rules">
          <caption class="muted">Rules that matched, with the points each adds</caption>
          <thead>
            <tr>
              <th scope="col">Points</th>
              <th scope="col">Rule</th>
              <th scope="col">What it means</th>
            </tr>
          </thead>
          <tbody>
            {report.rules.map((rule) => (
              <tr key={rule.name} class={rule.score > 0 ? 'spam-adds' : 'spam-neutral'}>
                <td>{rule.score.toFixed(1)}</td>
                <th scope="row">{rule.name}</th>
                <td>{rule.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
