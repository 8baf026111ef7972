import { useEffect, useRef } from 'preact/hooks';

const KEYS: Array<[string, string]> = [
  ['j / k', 'Next (older) / previous (newer) message'],
  ['Enter', 'Open the highlighted message'],
  ['x', 'Select or unselect the highlighted message'],
  ['Delete', 'Delete the open or selected messages'],
  ['/', 'Search'],
  ['Esc', 'Close the message or dialog'],
  ['← / →', 'On the divider beside the list: narrow or widen the list (Shift: by more)'],
  ['?', 'This help'],
];

const SEARCH: Array<[string, string]> = [
  ['word "a phrase"', 'all words, anywhere'],
  ['from: to: cc: bcc: subject:', 'in one field'],
  ['is:unread is:read is:tagged', 'by state'],
  ['has:attachment tag:name', 'attachments, tags'],
  ['larger:1M before:2026-01-31', 'size and date'],
  ['-word  !from:x', 'negation'],
];

export function HelpDialog({ onClose }: { onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => dialog.current?.showModal(), []);
  return (
    <dialog ref={dialog} class="dialog" aria-labelledby="help-title" onClose={onClose}>
      <h2 id="help-title">Keyboard shortcuts</h2>
      <table class="keys">
        <tbody>
          {KEYS.map(([k, v]) => (
            <tr key={k}>
              <th scope="row">
                <kbd>{k}</kbd>
              </th>
              <td>{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Search syntax</h3>
      <table class="keys">
        <tbody>
          {SEARCH.map(([k, v]) => (
            <tr key={k}>
              <th scope="row">
                <code>{k}</code>
              </th>
              <td>{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="dialog-actions">
        <button type="button" class="btn primary" onClick={() => dialog.current?.close()} autoFocus>
          Close
        </button>
      </div>
    </dialog>
  );
}
