import { useMemo } from 'preact/hooks';
import { getHtmlCheck } from '../api.js';
import { useLoad } from '../hooks/use-load.js';
import { clientScores, percent, type CheckWarning, type Score } from '../html-check.js';

const SUPPORT_TEXT = { yes: 'Supported', partial: 'Partial', no: 'Not supported' } as const;
/** Characters of an offending line shown; the rest is in the Raw tab. */
const LINE_CHARS = 200;

/** Three stacked shares of 100%; the numbers beside it carry the meaning for every reader. */
function ScoreBar({ score }: { score: Score }) {
  return (
    <span class="check-bar" aria-hidden="true">
      <span class="check-yes" style={{ width: `${score.supported}%` }} />
      <span class="check-partial" style={{ width: `${score.partial}%` }} />
      <span class="check-no" style={{ width: `${score.unsupported}%` }} />
    </span>
  );
}

function ScoreText({ score }: { score: Score }) {
  return (
    <span class="check-score">
      {percent(score.supported)} supported · {percent(score.partial)} partial · {percent(score.unsupported)} not supported
    </span>
  );
}

function Warning({ warning, lines }: { warning: CheckWarning; lines: string[] }) {
  const lacking = warning.results.filter((r) => r.support !== 'yes');
  return (
    <li class="check-warning">
      <details>
        <summary>
          <span class="check-title">{warning.title}</span> <span class="tag">{warning.category.toUpperCase()}</span>{' '}
          <span class="muted">
            {warning.found}× · <ScoreText score={warning.score} />
          </span>
          <ScoreBar score={warning.score} />
        </summary>
        <div class="check-detail">
          {warning.description && <p>{warning.description}</p>}
          <p>
            <a href={warning.url} target="_blank" rel="noopener noreferrer">
              {warning.title} on caniemail.com
            </a>
          </p>
          {warning.lines.length > 0 && (
            <>
              <h3>Where it is used</h3>
              <ol class="check-lines">
                {warning.lines.map((n) => (
                  <li key={n}>
                    <span class="check-line-no">Line {n}</span>
                    <code>{(lines[n - 1] ?? '').trim().slice(0, LINE_CHARS)}</code>
                  </li>
                ))}
              </ol>
            </>
          )}
          {lacking.length > 0 && (
            <>
              <h3>Clients without full support</h3>
              <table class="headers check-results">
                <tbody>
                  {lacking.map((r) => (
                    <tr key={r.name}>
                      <th scope="row">{r.name}</th>
                      <td>
                        {SUPPORT_TEXT[r.support]}
                        {r.note && warning.notes[r.note] ? <span class="muted"> — {warning.notes[r.note]}</span> : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </div>
      </details>
    </li>
  );
}

/**
 * Mailpit's HTML check: the HTML and CSS features this message uses (caniemail.com),
 * how well each email client supports them, and the lines of the HTML that use them.
 */
export function HtmlCheckTab({ id, html }: { id: string; html: string }) {
  const { value: check, error } = useLoad(() => getHtmlCheck(id), id);
  // The server counts lines of the same HTML body, split at LF.
  const lines = useMemo(() => html.split('\n'), [html]);
  const clients = useMemo(() => (check ? clientScores(check) : []), [check]);

  if (error !== null) return <p role="alert" class="check-state">Could not check the HTML: {error}</p>;
  if (!check) return <p class="muted check-state">Checking the HTML…</p>;
  return (
    <div class="html-check">
      {check.truncated && (
        <p role="status" class="check-notice">
          The HTML is too large to check in full: {check.notice}.
        </p>
      )}
      <section aria-labelledby="check-overall">
        <h2 id="check-overall">Overall support</h2>
        <p class="check-total">
          <ScoreBar score={check.total} />
          <ScoreText score={check.total} />
        </p>
        <p class="muted">
          {check.warnings.length} of {check.total.tests} features checked are used, in {check.total.nodes} elements. Scores are the share of the email clients caniemail.com tested.
        </p>
      </section>
      {clients.length > 0 && (
        <section aria-labelledby="check-clients">
          <h2 id="check-clients">By email client</h2>
          <table class="check-clients">
            <thead>
              <tr>
                <th scope="col">Client</th>
                <th scope="col">Platform</th>
                <th scope="col">Supported</th>
                <th scope="col">Partial</th>
                <th scope="col">Not supported</th>
                <th scope="col">Features with results</th>
              </tr>
            </thead>
            <tbody>
              {clients.map((c) => (
                <tr key={`${c.family} ${c.platform}`}>
                  <th scope="row">{c.family}</th>
                  <td>{c.platform}</td>
                  <td>{percent(c.supported)}</td>
                  <td>{percent(c.partial)}</td>
                  <td>{percent(c.unsupported)}</td>
                  <td>
                    {c.features} of {check.warnings.length}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <section aria-labelledby="check-warnings">
        <h2 id="check-warnings">Features used ({check.warnings.length})</h2>
        {check.warnings.length === 0 ? (
          <p class="muted">This HTML uses none of the features caniemail.com lists.</p>
        ) : (
          <ul class="check-warning-list">
            {check.warnings.map((w) => (
              <Warning key={w.slug} warning={w} lines={lines} />
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
