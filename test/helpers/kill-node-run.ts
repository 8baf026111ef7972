import pg from 'pg';
import { listedIds, startNode, waitFor, type LetterboxNode } from './letterbox-node.js';
import { SmtpDialogue } from './smtp-dialogue.js';
import { LOAD_ENVELOPE, messageOf, sendPipelined } from './smtp-load.js';

export interface KillRunOptions {
  /** Messages tried in all (sessions × per session). */
  messages: number;
  /** Kept-open SMTP sessions, half on each node. */
  sessions: number;
}

export interface KillRunResult {
  /** Ids of every message that got a 250, on either node. */
  accepted: Set<string>;
  /** How many got their 250 after node A was killed. */
  acceptedAfterKill: number;
  /** Sessions of node A that lost a message in flight to the kill. */
  broken: number;
  inDatabase: Set<string>;
  onA: Set<string>;
  onB: Set<string>;
  /** Whether the restarted node A heard of a message sent to B after all the load. */
  caughtUp: boolean;
}

/** A node slot: the node up now, or the one being started in its place. */
interface Slot {
  up: Promise<LetterboxNode>;
}

/**
 * The fault rule of issue #15 on two CLI processes sharing one database: SMTP load on
 * both, node A killed with SIGKILL once a third of the messages are in, then started
 * again; its sessions wait for it and go on. Every message that got a 250 must then
 * be in the database and listed by both nodes.
 */
export async function killNodeRun(url: string, options: KillRunOptions): Promise<KillRunResult> {
  const slots: Slot[] = [{ up: startNode(url) }, { up: startNode(url) }];
  const [slotA, slotB] = slots as [Slot, Slot];
  const accepted = new Set<string>();
  let killed = false;
  let acceptedAfterKill = 0;
  let broken = 0;
  const killAt = Math.floor(options.messages / 3);

  const restartA = async () => {
    const old = await slotA.up;
    slotA.up = old.kill().then(() => startNode(url));
    await slotA.up;
  };
  let restarting: Promise<void> | undefined;

  const session = async (s: number) => {
    const slot = slots[s % 2] as Slot;
    let smtp: SmtpDialogue | undefined;
    const perSession = Math.ceil(options.messages / options.sessions);
    for (let i = 0; i < perSession; i++) {
      try {
        smtp ??= await SmtpDialogue.open((await slot.up).smtp);
        const id = await sendPipelined(smtp, messageOf(`fault ${s}-${i}`), LOAD_ENVELOPE);
        accepted.add(id);
        if (killed) acceptedAfterKill++;
        if (!killed && accepted.size >= killAt) {
          killed = true;
          restarting = restartA();
        }
      } catch {
        // Node A went away mid-message: that one got no 250; the session waits for A to be back.
        smtp?.close();
        smtp = undefined;
        if (slot === slotA) broken++;
        await restarting;
      }
    }
    smtp?.close();
  };
  await Promise.all(Array.from({ length: options.sessions }, (_, s) => session(s)));
  await restarting;
  const [a, b] = [await slotA.up, await slotB.up];
  try {
    // The log is ordered: once the restarted node has a message sent to B after all the rest, it has the rest too.
    const marker = await SmtpDialogue.open(b.smtp);
    await sendPipelined(marker, messageOf('fault marker'), LOAD_ENVELOPE);
    marker.close();
    const caughtUp = await waitFor(a, 'subject:"fault marker"');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ id: string }>('SELECT id FROM letterbox_bodies').finally(() => client.end());
    return { accepted, acceptedAfterKill, broken, inDatabase: new Set(rows.map((r) => r.id)), onA: await listedIds(a), onB: await listedIds(b), caughtUp };
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
}
