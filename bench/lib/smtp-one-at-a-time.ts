/**
 * A process that sends SMTP messages one at a time to the port it is given until told
 * to stop, then sends each message's time to its 250 (IPC). A process of its own, so
 * what the bench's process does meanwhile (a node in it taking a snapshot, compaction-
 * pause.ts) is not counted as the server's wait.
 */
import { SmtpDialogue } from '../../test/helpers/smtp-dialogue.js';
import { LOAD_ENVELOPE, messageOf, sendPipelined } from '../../test/helpers/smtp-load.js';

const send = (message: unknown) => new Promise<void>((resolve) => process.send?.(message, () => resolve()));
const smtp = await SmtpDialogue.open(Number(process.argv[2]));
let stopping = false;
process.once('message', () => (stopping = true));
const waits: number[] = [];
await send({ ready: true });
while (!stopping) {
  const sent = performance.now();
  await sendPipelined(smtp, messageOf('during the compaction'), LOAD_ENVELOPE);
  waits.push(performance.now() - sent);
}
smtp.close();
await send({ waits });
process.disconnect();
