import type pg from 'pg';
import type { BodySummary, MessageId } from '../types.js';
import { byteaLiteral } from './sql-literal.js';

type Queryable = Pick<pg.ClientBase, 'query'>;

/**
 * Migration step: the body search text of each message in a table of its own
 * (letterbox_body_text), not in the log's `body` records, so no node holds it in its
 * index (issue #15: a node's memory must not grow with bodies).
 *
 * The text is kept as its UTF-8 bytes (bytea): PostgreSQL's text type cannot hold
 * U+0000, which a body may, and bytes match whatever the database's encoding and
 * collation. A substring of the folded text is then exactly a byte substring of them
 * (UTF-8 never starts a character inside another). The foreign key removes a message's
 * text with its bytes: the log's writes (log-table.ts) delete those when a message is
 * removed or the inbox cleared, and the text goes in the same statement.
 *
 * Texts already in the log (written before this step) are copied here: the last `body`
 * record of each message still stored, whether its row holds one record or a
 * transaction's array of them. The log itself is left as written; replay drops a text
 * a `body` record still carries (indexedBody), as it does for a node of the previous
 * version writing during an upgrade. A text holding U+0000 (which the json operators
 * cannot read out) is not copied: that message's body is found again once re-indexed.
 */
export const BODY_TEXT_MIGRATION = `CREATE TABLE letterbox_body_text (
     inbox text NOT NULL,
     id text NOT NULL,
     folded bytea NOT NULL,
     PRIMARY KEY (inbox, id),
     FOREIGN KEY (inbox, id) REFERENCES letterbox_bodies (inbox, id) ON DELETE CASCADE
   );
   INSERT INTO letterbox_body_text (inbox, id, folded)
     SELECT DISTINCT ON (l.inbox, r.record->>'id') l.inbox, r.record->>'id', convert_to(r.record->'body'->>'searchText', 'UTF8')
     FROM letterbox_log l
     CROSS JOIN LATERAL json_array_elements(CASE json_typeof(l.record) WHEN 'array' THEN l.record ELSE json_build_array(l.record) END)
       WITH ORDINALITY AS r(record, n)
     JOIN letterbox_bodies b ON b.inbox = l.inbox AND b.id = r.record->>'id'
     WHERE strpos(l.record::text, '"searchText"') > 0 AND strpos(r.record::text, '\\u0000') = 0
       AND r.record->>'t' = 'body' AND r.record->'body'->>'searchText' IS NOT NULL
     ORDER BY l.inbox, r.record->>'id', l.pos DESC, r.n DESC;`;

/**
 * What a node's index keeps of a body summary, and its `body` log record holds: what
 * lists, events and IMAP show, nothing that grows with the body. Plain data (some
 * summaries are views over the message's bytes, see AsciiTextBody).
 */
export function indexedBody(body: BodySummary): BodySummary {
  return { snippet: body.snippet, attachments: body.attachments, inline: body.inline };
}

/**
 * The statement storing the search texts a batch of local writes made (by message id),
 * for the batch's own simple query (log-table.ts), after its bodies: a text replaces
 * the one a message had. Values are literals, as the rest of that query's.
 */
export function bodyTextStatement(client: pg.ClientBase, inbox: string, texts: ReadonlyMap<MessageId, string>): string {
  const where = client.escapeLiteral(inbox);
  const rows = [...texts].map(([id, text]) => `(${where}, ${client.escapeLiteral(id)}, ${byteaLiteral(Buffer.from(text, 'utf8'))})`);
  return `INSERT INTO letterbox_body_text (inbox, id, folded) VALUES ${rows.join(', ')} ON CONFLICT (inbox, id) DO UPDATE SET folded = EXCLUDED.folded`;
}

/**
 * The ids of the inbox's messages whose search text contains `folded` (already folded
 * and white-space collapsed, see bodyQuery): a byte substring test, so nothing in the
 * needle (`%`, `_`, `\`) is a pattern character and nothing needs escaping. `among`
 * narrows it to those messages (a look-up by key, not a scan of the inbox).
 */
export async function findBodyTexts(db: Queryable, inbox: string, folded: string, among?: readonly MessageId[]): Promise<Set<MessageId>> {
  const needle = Buffer.from(folded, 'utf8');
  const { rows } = await db.query<{ id: string }>(
    among === undefined
      ? { name: 'letterbox-body-search', text: 'SELECT id FROM letterbox_body_text WHERE inbox = $1 AND position($2::bytea IN folded) > 0', values: [inbox, needle] }
      : {
          name: 'letterbox-body-search-among',
          text: 'SELECT id FROM letterbox_body_text WHERE inbox = $1 AND id = ANY($3::text[]) AND position($2::bytea IN folded) > 0',
          values: [inbox, needle, among],
        },
  );
  return new Set(rows.map((r) => r.id));
}
