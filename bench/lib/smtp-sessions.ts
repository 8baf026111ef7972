import { SmtpDialogue } from '../../test/helpers/smtp-dialogue.js';
import { LOAD_ENVELOPE, messageOf, sendPipelined } from '../../test/helpers/smtp-load.js';

export interface Ingested {
  accepted: number;
  seconds: number;
  rate: number;
}

/**
 * Kept-open SMTP sessions, session s on ports[s % ports.length], each sending one 2 KB
 * message after the other until `seconds` pass or `most` messages got their 250 in all.
 * Message n's subject is `subject(n)`.
 */
export async function ingest(ports: readonly number[], sessions: number, bound: { seconds: number; most: number }, subject = (n: number) => `ingest ${n}`): Promise<Ingested> {
  const started = performance.now();
  const deadline = started + bound.seconds * 1000;
  let accepted = 0;
  let issued = 0;
  await Promise.all(
    Array.from({ length: sessions }, async (_, s) => {
      const smtp = await SmtpDialogue.open(ports[s % ports.length] as number);
      while (performance.now() < deadline && issued < bound.most) {
        await sendPipelined(smtp, messageOf(subject(issued++)), LOAD_ENVELOPE);
        accepted++;
      }
      smtp.close();
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { accepted, seconds, rate: accepted / seconds };
}
