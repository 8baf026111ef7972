import { partUrl } from '../api.js';
import { formatSize } from '../format.js';
import type { Attachment, Message } from '../types.js';

const PREVIEWABLE = /^image\/(png|gif|jpe?g|webp|bmp|avif)$/i;

function PartRow({ id, part, inline }: { id: string; part: Attachment; inline: boolean }) {
  const url = partUrl(id, part.PartID);
  const name = part.FileName || part.ContentID || `part ${part.PartID}`;
  return (
    <li class="attachment">
      {PREVIEWABLE.test(part.ContentType) ? (
        <img class="thumb" src={url} alt={`Preview of ${name}`} loading="lazy" />
      ) : (
        <span class="thumb thumb-none" aria-hidden="true">
          {(part.ContentType.split('/')[1] ?? 'file').slice(0, 4).toUpperCase()}
        </span>
      )}
      <div class="attachment-info">
        <a class="attachment-name" href={url} download={part.FileName || name}>
          {name}
        </a>
        <span class="muted">
          {part.ContentType} · {formatSize(part.Size)}
          {inline ? ' · inline' : ''}
        </span>
        <details>
          <summary>Checksums</summary>
          <dl class="sums">
            <dt>MD5</dt>
            <dd>{part.Checksums.MD5}</dd>
            <dt>SHA1</dt>
            <dd>{part.Checksums.SHA1}</dd>
            <dt>SHA256</dt>
            <dd>{part.Checksums.SHA256}</dd>
          </dl>
        </details>
      </div>
    </li>
  );
}

export function AttachmentsTab({ message }: { message: Message }) {
  return (
    <ul class="attachments">
      {message.Attachments.map((p) => (
        <PartRow key={p.PartID} id={message.ID} part={p} inline={false} />
      ))}
      {message.Inline.map((p) => (
        <PartRow key={p.PartID} id={message.ID} part={p} inline />
      ))}
    </ul>
  );
}
