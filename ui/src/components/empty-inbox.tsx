import { useState } from 'preact/hooks';
import { copyText } from '../clipboard.js';
import { dialableAddress } from '../smtp-address.js';

export function nodemailerSnippet(host: string, port: string): string {
  return `import nodemailer from 'nodemailer';

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
            Point your application's SMTP at <code class="smtp-address">{at.text}</code>; mail appears here as it arrives.
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
