import { checkSpam } from '../api.js';
import { useLoad } from '../hooks/use-load.js';

/** SpamAssassin's verdict, asked of the server's spamd when the tab opens (it stays on this machine). */
export function SpamTab({ id }: { id: string }) {
  const { value: report, error } = useLoad(
    () =>
      checkSpam(id).then((answer) => {
        // spamd's own failure (unreachable, too slow, refused) comes back as a report with an error.
        if (answer.error) throw new Error(answer.error);
        return answer;
      }),
    id,
  );
  if (error !== null) return <p role="alert">SpamAssassin could not check this message: {error}</p>;
  if (!report) return <p class="muted" role="status">Asking SpamAssassin…</p>;
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
