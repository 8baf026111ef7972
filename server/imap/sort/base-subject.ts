/**
 * RFC 5256 §2.1: the base subject SORT SUBJECT and threading compare, from a subject
 * already decoded from RFC 2047 encoded-words. Pure.
 */

export interface BaseSubject {
  /** The base subject, upper-cased for comparison (RFC 5256 §2.1 leaves case to the comparator; i;ascii-casemap upper-cases). */
  text: string;
  /**
   * Whether a reply or forward marker was removed: `Re:`, `Fw:`, `Fwd:`, a `(fwd)`
   * trailer or a `[fwd: …]` wrapper (RFC 5256 §2.1 step 6, used by §3 threading).
   */
  reply: boolean;
}

/** subj-leader (§5 ABNF): *subj-blob subj-refwd, where subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":". */
const LEADER = /^(?:\[[^[\]]*\][ ]*)*(?:re|fwd?)[ ]*(?:\[[^[\]]*\][ ]*)?:/i;
/** subj-blob: "[" *BLOBCHAR "]" *WSP. */
const BLOB = /^\[[^[\]]*\][ ]*/;
const TRAILER = /(?:\(fwd\)|[ ])$/i;
const FWD_HEADER = /^\[fwd:/i;

export function baseSubject(decoded: string): BaseSubject {
  // Step 1: every run of white space is one space.
  let s = decoded.replace(/[ \t\r\n]+/g, ' ');
  let reply = false;
  for (;;) {
    // Step 2: subj-trailer, repeatedly.
    for (let m = TRAILER.exec(s); m; m = TRAILER.exec(s)) {
      if (m[0] !== ' ') reply = true;
      s = s.slice(0, s.length - m[0].length);
    }
    // Steps 3–5: leaders and a leading blob, until neither changes the text.
    for (;;) {
      const before = s;
      for (;;) {
        if (s.startsWith(' ')) s = s.slice(1);
        else {
          const leader = LEADER.exec(s);
          if (!leader) break;
          reply = true;
          s = s.slice(leader[0].length);
        }
      }
      // Step 4: a blob is removed only when something is left after it. No leader
      // starts after a blob when none started before it (LEADER skips blobs itself), so
      // every such blob goes at once: one at a time re-ran LEADER over all the rest,
      // and a subject of 40,000 blobs took 5 s.
      for (let blob = BLOB.exec(s); blob && blob[0].length < s.length; blob = BLOB.exec(s)) s = s.slice(blob[0].length);
      if (s === before) break;
    }
    // Step 6: "[fwd:" … "]" wraps a forwarded subject; unwrap and start again at step 2.
    if (FWD_HEADER.test(s) && s.endsWith(']')) {
      reply = true;
      s = s.slice(5, -1);
      continue;
    }
    return { text: s.toUpperCase(), reply };
  }
}
