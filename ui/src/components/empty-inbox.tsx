import { useState } from 'preact/hooks';
import { copyText } from '../clipboard.js';

/**
 * The address an app should use. A listener bound to every interface reports 0.0.0.0
 * or ::, which no app can dial, so the host the page was loaded from stands in.
 */
export function dialableAddress(address: string): { host: string; port: string } | null {
  const match = /^(\[.*\]|[^:]*):(\d+)$/.exec(address);
  if (!match?.[1] || !match[2]) return null;
  const host = match[1] === '0.0.0.0' || match[1] === '[::]' ? location.hostname || 'localhost' : match[1];
  return { host: host.replace(/^\[|\]$/g, ''), port: match[2] };
}

export function nodemailerSnippet(host: string, port: string): string {
  return `import nodemailer from 'nodemailer';

// The sandbox needs no TLS and no login.
const transport = nodemailer.createTransport({
  host: '${host}',
  port: ${port},
  secure: false,
});
await transport.sendMail({
  from: 'app@example.test',
  to: 'someone@example.test',
  subject: 'Hello from my app',
  text: 'It works.',
});`;
}

/** The empty inbox: where to point an app's SMTP, and a snippet to copy that does it. */
export function EmptyInbox({ smtpAddress }: { smtpAddress: string }) {
  const [copied, setCopied] = useState('');
  const at = dialableAddress(smtpAddress);
  const snippet = at ? nodemailerSnippet(at.host, at.port) : '';
  return (
    <div class="state empty-inbox">
      <p class="state-title">No messages yet</p>
      {at ? (
        <>
          <p>
            Point your application's SMTP at <code class="smtp-address">{`${at.host}:${at.port}`}</code> (no TLS, any login); mail appears here as it
            arrives.
          </p>
          <div class="snippet-head">
            <span id="snippet-label">Node.js, with nodemailer</span>
            <button
              type="button"
              class="btn"
              onClick={() => void copyText(snippet).then((ok) => setCopied(ok ? 'Copied' : 'Copy failed: select the text and copy it'))}
            >
              Copy snippet
            </button>
          </div>
          <pre class="source code-snippet" tabIndex={0} aria-labelledby="snippet-label">
            {snippet}
          </pre>
          <p role="status" class="copy-status">
            {copied}
          </p>
        </>
      ) : (
        <p>Point your application's SMTP at this server; mail appears here as it arrives.</p>
      )}
    </div>
  );
}
