import type { SMTPServer } from 'smtp-server';
import { eachParser, onEachConnection, type DataParserInternals } from './smtp-internals.js';
import { drainedOrClosed } from '../lib/drained.js';

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const LINE_START_DOT = Buffer.from('\n.');
/** Bytes held back at the end of a chunk: enough for a terminator split across chunks. */
const HELD = 4;

/**
 * The end of DATA (RFC 5321 §4.5.2): a line holding only a dot ends the message, and
 * a leading dot on any other line is a transparency dot, removed ("If the first
 * character is a period and there are other characters on the line, the first
 * character is deleted"; smtp-server removed it only before a second dot, keeping
 * `.y` whole). After a bare LF, which starts no line in SMTP (§2.3.8), only a doubled
 * dot loses one: Letterbox's own client stuffs after any LF (transfer/dot-stuff.ts).
 * smtp-server finds dots by testing every byte of the message in JavaScript, which is
 * a quarter of the server's CPU on 100 KB messages. This framing finds line-start dots
 * with Buffer.indexOf (native) and removes all the transparency dots of a chunk in one
 * go; test/fuzz/smtp-data.test.ts checks it byte for byte over random bodies and
 * random splits.
 */
export function frameDataNatively(smtp: SMTPServer): void {
  onEachConnection(smtp, (connection) =>
    eachParser(connection, (parser) => {
      const data = parser as unknown as DataParserInternals;
      data._feedDataStream = (chunk, done) => feed(data, chunk, done);
    }),
  );
}

function feed(parser: DataParserInternals, input: Buffer, done: () => void): void {
  let chunk = input;
  const pieces: Buffer[] = [];
  const before = parser._lastBytes;
  parser._lastBytes = false;
  if (before && before.length > 0) {
    // The bytes held back come first. Joining them to the chunk copies the chunk (a
    // message of many reads would be copied twice), so that is only done when a dot may
    // start a line where the two meet, or when the held bytes are the message's very
    // start (which the start-of-data checks below must see); otherwise they go out as a
    // piece of their own.
    if (!parser._atDataStart && nothingToFindAtJoin(before, chunk)) pieces.push(before);
    else chunk = Buffer.concat([before, chunk]);
  }
  // Only the message's first line has no LF before it: "." alone there is an empty
  // message, a dot before anything else a transparency dot. ".\r" waits for its next byte.
  if (parser._atDataStart && chunk[0] === DOT) {
    if (chunk.length >= 3 && chunk[1] === CR && chunk[2] === LF) return parser._endDataMode(false, chunk.subarray(3), done);
    if (chunk.length >= 3 || (chunk.length === 2 && chunk[1] !== CR)) {
      chunk = chunk.subarray(1);
      parser._atDataStart = false;
    }
  }
  let start = 0;
  // A dot at i starts a line when chunk[i - 1] is LF; the last two bytes are never
  // looked at here (they may be the start of a terminator that ends in the next chunk).
  // A chunk's first two bytes were looked at with the chunk before, unless this chunk
  // opens the message: then a dot right after a leading LF is a line's first byte too
  // (smtp-server's own scan skipped it, keeping a stuffing dot in the message).
  const firstLf = parser._atDataStart ? 0 : 1;
  for (let lf = chunk.indexOf(LINE_START_DOT, firstLf); lf >= 0 && lf + 1 < chunk.length - 2; lf = chunk.indexOf(LINE_START_DOT, lf + 1)) {
    const dot = lf + 1;
    const startsLine = chunk[dot - 2] === CR;
    if (startsLine && chunk[dot + 1] === CR && chunk[dot + 2] === LF) {
      // CRLF.CRLF: the message is everything before the dot, its last CRLF included.
      pieces.push(chunk.subarray(start, dot));
      const last = pieces.pop() as Buffer;
      emit(parser, pieces);
      parser._countDataBytes(last.length);
      return parser._endDataMode(last, chunk.subarray(dot + 3), done);
    }
    if (startsLine || chunk[dot + 1] === DOT) {
      // A transparency dot: keep what came before it, drop the dot.
      pieces.push(chunk.subarray(start, dot));
      start = dot + 1;
    }
  }
  const rest = chunk.subarray(start);
  const held = rest.length <= HELD ? rest : rest.subarray(rest.length - HELD);
  parser._lastBytes = held;
  if (held.length < rest.length) pieces.push(rest.subarray(0, rest.length - held.length));
  if (!emit(parser, pieces)) return waitForDrain(parser, done);
  done();
}

/**
 * Whether, in held + chunk, no dot can start a line at the positions whose look-back
 * or look-ahead spans the join (2 to 5: the held bytes' last two, which the previous
 * chunk left unexamined, and the chunk's first two). Past those, the chunk is scanned
 * alone just as the joined bytes would be. Needs the full hold and 4 bytes of chunk.
 */
function nothingToFindAtJoin(held: Buffer, chunk: Buffer): boolean {
  if (held.length !== HELD || chunk.length < HELD) return false;
  const at = (i: number) => (i < HELD ? held[i] : chunk[i - HELD]);
  for (let dot = 2; dot <= 5; dot++) if (at(dot) === DOT && at(dot - 1) === LF) return false;
  return true;
}

/** Writes the pieces to the message stream; false when it asks to wait for a drain. */
function emit(parser: DataParserInternals, pieces: Buffer[]): boolean {
  const stream = parser._dataStream;
  let flowing = true;
  for (const piece of pieces) {
    if (piece.length === 0) continue;
    parser._countDataBytes(piece.length);
    if (stream.writable) flowing = stream.write(piece);
  }
  return flowing;
}

/** A stream the message handler destroys never drains, it only closes. */
function waitForDrain(parser: DataParserInternals, done: () => void): void {
  void drainedOrClosed(parser._dataStream).then(() => done());
}
