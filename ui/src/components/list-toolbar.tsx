import { Icon } from './icons.js';

interface Props {
  allSelected: boolean;
  /** Messages picked one by one (0 when none, or when all are selected). */
  picked: number;
  /** How many the actions apply to. */
  count: number;
  /** "4 messages" or "2 matches". */
  summary: string;
  unread: number;
  showDeleteAll: boolean;
  onSelectAll: (all: boolean) => void;
  onMark: (read: boolean) => void;
  onDelete: () => void;
  onDeleteAll: () => void;
}

/**
 * Above the list: select all, and either the actions on a selection (with words, as
 * the read and unread icons alone are hard to tell apart) or the counts.
 */
export function ListToolbar(props: Props) {
  const hasSelection = props.allSelected || props.picked > 0;
  return (
    <div class="list-bar" role="toolbar" aria-label="List actions">
      <input
        type="checkbox"
        class="row-check"
        aria-label={props.allSelected ? 'Unselect all' : 'Select all'}
        checked={props.allSelected}
        ref={(el) => {
          if (el) el.indeterminate = !props.allSelected && props.picked > 0;
        }}
        onChange={(e) => props.onSelectAll(e.currentTarget.checked)}
      />
      {hasSelection ? (
        <>
          <span class="count">{props.count} selected</span>
          <button type="button" class="btn" onClick={() => props.onMark(true)} aria-label="Mark selected read" title="Mark the selected messages read">
            <Icon name="read" /> Read
          </button>
          <button type="button" class="btn" onClick={() => props.onMark(false)} aria-label="Mark selected unread" title="Mark the selected messages unread">
            <Icon name="unread" /> Unread
          </button>
          <button type="button" class="btn danger" onClick={props.onDelete} aria-label="Delete selected" title="Delete the selected messages">
            <Icon name="trash" /> Delete
          </button>
        </>
      ) : (
        <>
          <span class="count">
            {props.summary}
            {props.unread > 0 && <span class="badge">{props.unread} unread</span>}
          </span>
          {props.showDeleteAll && (
            <button type="button" class="btn subtle" onClick={props.onDeleteAll}>
              Delete all
            </button>
          )}
        </>
      )}
    </div>
  );
}
