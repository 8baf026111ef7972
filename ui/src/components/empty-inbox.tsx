import { useState } from 'preact/hooks';
import { copyText } from '../clipboard.js';
import { dialableAddress } from '../smtp-address.js';

/** `inbox`: a team inbox, which takes the mail of a client signed in as one of its SMTP users. */
export function nodemailerSnippet(host: string, port: string, inbox = ''): string {
  const auth = inbox ? `\n  auth: { user: '${inbox} SMTP user', pass: 'its password' },` : '';
  return `import nodemailer from 'nodemailer';

const transport = nodemailer.createTransport({
  host: '${host}',
  port: ${port},
  secure: false,${auth}
});
await transport.sendMail({
  from: 'app@example.test',
  to: 'someone@example.test',
  subject: 'Hello from my app',
  text: 'It works.',
});`;
}

/**
 * The empty inbox: where to point an app's SMTP, and a snippet to copy that does it. In
 * a team inbox (`inbox`), mail arrives by the inbox's routing rules, which it says.
 */
export function EmptyInbox({ smtpAddress, inbox }: { smtpAddress: string; inbox: string }) {
  const [copied, setCopied] = useState('');
  const at = dialableAddress(smtpAddress);
  const snippet = at ? nodemailerSnippet(at.host, at.port, inbox) : '';
  const where = at ? <code class="smtp-address">{at.text}</code> : 'this server';
  return (
    <div class="state empty-inbox">
      <p class="state-title">No messages yet</p>
      {inbox ? (
        <p>
          Mail reaches <strong>{inbox}</strong> when your application signs in to SMTP at {where} as one of its SMTP users (from the inboxes
          file, or the one given when the inbox was made), or sends to a recipient its rules route here.
        </p>
      ) : (
        <p>Point your application's SMTP at {where}; mail appears here as it arrives.</p>
      )}
      {at && (
        <>
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
      )}
    </div>
  );
}
