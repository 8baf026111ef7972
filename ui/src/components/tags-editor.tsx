import { useState } from 'preact/hooks';
import { isCleanTag, TAG_RULE } from '../../../server/shapes/tag-rule.js';


/**
 * Tags on one message: a tag's name lists its messages; remove with ×, add by typing and
 * Enter. `refused` is why the server did not take the last change, shown beside them.
 */
export function TagsEditor({ tags, onChange, onOpen, refused }: { tags: string[]; onChange: (tags: string[]) => void; onOpen: (tag: string) => void; refused?: string }) {
  const [draft, setDraft] = useState('');
  const [error, setError] = useState('');
  const add = () => {
    const tag = draft.trim();
    if (!tag) return;
    if (!isCleanTag(tag)) {
      setError(`A tag holds ${TAG_RULE}`);
      return;
    }
    setError('');
    setDraft('');
    if (!tags.includes(tag)) onChange([...tags, tag]);
  };
  return (
    <div class="tags-editor">
      <ul class="tag-list" aria-label="Tags">
        {tags.map((t) => (
          <li key={t} class="tag">
            <button type="button" class="tag-open" title={`Show messages tagged ${t}`} onClick={() => onOpen(t)}>
              {t}
            </button>
            <button type="button" class="tag-remove" aria-label={`Remove tag ${t}`} onClick={() => onChange(tags.filter((x) => x !== t))}>
              ×
            </button>
          </li>
        ))}
      </ul>
      <input
        class="tag-input"
        type="text"
        aria-label="Add a tag"
        placeholder="Add tag…"
        value={draft}
        onInput={(e) => setDraft(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            add();
          }
        }}
        onBlur={add}
      />
      {(error || refused) && (
        <span class="error" role="alert">
          {error || refused}
        </span>
      )}
    </div>
  );
}
