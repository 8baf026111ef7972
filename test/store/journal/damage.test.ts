import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../server/lib/log.js';
import { makeDurable } from '../../../server/store/journal/durable-store.js';
import { MemoryStore } from '../../../server/store/memory-store.js';
import type { StoredMessage } from '../../../server/store/types.js';
import { storedBytes } from '../../helpers/stored-bytes.js';

const limits = { maxMessages: 0, maxBytes: 0 };
const mail = (n: number) => Buffer.from(`From: alice@red.com\r\nTo: bob@blue.com\r\nSubject: message ${n}\r\n\r\nbody ${n} ${'z'.repeat(200)}\r\n`);

interface Line {
  level: string;
  msg: string;
  [field: string]: unknown;
}

/** Where each frame of a journal starts, and its length (u32 body length | u32 CRC | body). */
function framesOf(data: Buffer): Array<{ offset: number; length: number }> {
  const frames: Array<{ offset: number; length: number }> = [];
  for (let offset = 0; offset + 8 <= data.length; ) {
    const length = 8 + data.readUInt32BE(offset);
    frames.push({ offset, length });
    offset += length;
  }
  return frames;
}

/** Flips the bits of `mask` in one byte. */
function flip(data: Buffer, at: number, mask: number): void {
  data.writeUInt8(data.readUInt8(at) ^ mask, at);
}

/** A frame's record, as JSON (its bytes left out). */
function recordAt(data: Buffer, frame: { offset: number }): { t: string; id?: string; folders?: Array<{ name: string }> } {
  const start = frame.offset + 12;
  return JSON.parse(data.subarray(start, start + data.readUInt32BE(frame.offset + 8)).toString('utf8'));
}

/** The frames of the messages' records, in order. */
function messageFrames(data: Buffer): Array<{ offset: number; length: number }> {
  return framesOf(data).filter((frame) => recordAt(data, frame).t === 'msg');
}

describe('--data-dir journal damaged in the middle', () => {
  let dir: string;
  let journal: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'letterbox-journal-damage-'));
    journal = join(dir, 'journal.lbx');
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  async function open() {
    const lines: Line[] = [];
    const logger = createLogger({ level: 'info', format: 'json', write: (line) => lines.push(JSON.parse(line) as Line) });
    const store = new MemoryStore({ limits });
    const durable = await makeDurable(store, dir, logger);
    return { store, durable, lines };
  }

  /** Ten messages to bob, journaled; returns them in order, and the journal's bytes. */
  async function tenMessages(): Promise<{ sent: StoredMessage[]; data: Buffer }> {
    const first = await open();
    const sent: StoredMessage[] = [];
    for (let n = 0; n < 10; n++) sent.push(await first.store.deliver({ raw: mail(n), envelope: { mailFrom: 'alice@red.com', rcptTo: ['bob@blue.com'] } }));
    await first.store.flushed();
    await first.durable.close();
    return { sent, data: await readFile(journal) };
  }

  async function subjects(store: MemoryStore): Promise<string[]> {
    return (await storedBytes(store)).map((raw) => /Subject: (.*)\r\n/.exec(raw?.toString() ?? '')?.[1] ?? '');
  }

  async function damagedCopies(): Promise<string[]> {
    return (await readdir(dir)).filter((name) => name.startsWith('journal.lbx.damaged-'));
  }

  it('reads past a frame whose checksum fails, keeps every other message, and keeps the damaged file beside it', async () => {
    const { sent, data } = await tenMessages();
    const frames = framesOf(data);
    const hit = messageFrames(data)[1] as { offset: number; length: number };
    const damaged = Buffer.from(data);
    flip(damaged, hit.offset + 8 + 20, 0xff);
    await writeFile(journal, damaged);

    const second = await open();
    expect(await subjects(second.store)).toEqual([0, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => `message ${n}`));
    expect(second.store.messages().map((m) => m.id)).toEqual(sent.filter((_, n) => n !== 1).map((m) => m.id));
    // Filed as before, with the UIDs they had.
    expect(second.store.folder('bob@blue.com', 'INBOX')?.entries.map((e) => e.uid)).toEqual([1, 3, 4, 5, 6, 7, 8, 9, 10]);
    await second.store.flushed();
    await second.durable.close();

    const copies = await damagedCopies();
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatch(/^journal\.lbx\.damaged-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z$/);
    expect(await readFile(join(dir, copies[0] as string))).toEqual(damaged);
    const said = second.lines.find((line) => line.level === 'error');
    expect(said).toMatchObject({
      msg: expect.stringMatching(/journal was damaged in the middle/),
      file: join(dir, copies[0] as string),
      framesSkipped: 1,
      bytesSkipped: hit.length,
      recordsRecovered: frames.length - 1,
    });
    expect(second.lines.some((line) => /torn tail/.test(line.msg))).toBe(false);

    // The rewritten journal is whole: the next start reads it all, and keeps no other copy.
    const third = await open();
    expect(third.store.stats().messages).toBe(9);
    expect(third.lines.filter((line) => line.level === 'error' || line.level === 'warn')).toEqual([]);
    await third.durable.close();
    expect(await damagedCopies()).toHaveLength(1);
  });

  it('reads back whole a frame whose length field alone is damaged, found by its checksum', async () => {
    const { sent, data } = await tenMessages();
    const hit = messageFrames(data)[4] as { offset: number; length: number };
    const damaged = Buffer.from(data);
    flip(damaged, hit.offset + 2, 0x40);
    await writeFile(journal, damaged);

    const second = await open();
    expect(second.store.messages().map((m) => m.id)).toEqual(sent.map((m) => m.id));
    await second.durable.close();
    expect(second.lines.find((line) => line.level === 'error')).toMatchObject({ framesSkipped: 0, framesRepaired: 1 });
    expect(await damagedCopies()).toHaveLength(1);
  });

  it('finds the next sound frame by scanning when both the length and the body of a frame are damaged', async () => {
    const { data } = await tenMessages();
    const hit = messageFrames(data)[4] as { offset: number; length: number };
    const damaged = Buffer.from(data);
    damaged.fill(0xaa, hit.offset, hit.offset + 40);
    await writeFile(journal, damaged);

    const second = await open();
    expect(await subjects(second.store)).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9].map((n) => `message ${n}`));
    await second.durable.close();
    expect(second.lines.find((line) => line.level === 'error')).toMatchObject({ framesSkipped: 1, bytesSkipped: hit.length });
    expect(await readFile(join(dir, (await damagedCopies())[0] as string))).toEqual(damaged);
  });

  it('reads every sound frame between two damaged places, not only those after the last one', async () => {
    const { data } = await tenMessages();
    const damaged = Buffer.from(data);
    for (const n of [3, 7]) {
      const hit = messageFrames(data)[n] as { offset: number };
      damaged.fill(0xaa, hit.offset, hit.offset + 40);
    }
    await writeFile(journal, damaged);

    const second = await open();
    expect(await subjects(second.store)).toEqual([0, 1, 2, 4, 5, 6, 8, 9].map((n) => `message ${n}`));
    await second.durable.close();
    expect(second.lines.find((line) => line.level === 'error')).toMatchObject({ framesSkipped: 2 });
  });

  it('starts when later records name a message or folder that a skipped record made, and counts them', async () => {
    const first = await open();
    const { store } = first;
    const sent: StoredMessage[] = [];
    for (let n = 0; n < 3; n++) sent.push(await store.deliver({ raw: mail(n), envelope: { mailFrom: 'alice@red.com', rcptTo: ['bob@blue.com'] } }));
    await store.createFolder('bob@blue.com', 'Projects');
    await store.copyToFolder('bob@blue.com', 'Projects', [sent[0] as StoredMessage]);
    await store.setFlags([(sent[1] as StoredMessage).id], 'add', ['\\Seen']);
    await store.setTags([(sent[1] as StoredMessage).id], ['kept']);
    await store.expunge('bob@blue.com', 'Projects', [1]);
    await store.remove([(sent[1] as StoredMessage).id]);
    await store.flushed();
    await first.durable.close();

    // Break message 1's record, and the record that made the folder Projects.
    const data = await readFile(journal);
    const damaged = Buffer.from(data);
    const frames = framesOf(data);
    const record = (i: number) => recordAt(data, frames[i] as { offset: number });
    const message1 = frames.findIndex((_, i) => record(i).t === 'msg' && record(i).id === sent[1]?.id);
    const projects = frames.findIndex((_, i) => record(i).t === 'folders' && (record(i).folders ?? []).some((f) => f.name === 'Projects'));
    expect(message1).toBeGreaterThan(0);
    expect(projects).toBeGreaterThan(message1);
    for (const i of [message1, projects]) flip(damaged, (frames[i] as { offset: number }).offset + 8 + 30, 0x01);
    await writeFile(journal, damaged);

    const second = await open();
    expect(second.store.messages().map((m) => m.id)).toEqual([sent[0]?.id, sent[2]?.id]);
    expect(second.store.folder('bob@blue.com', 'INBOX')?.entries.map((e) => e.message.id)).toEqual([sent[0]?.id, sent[2]?.id]);
    await second.durable.close();
    const said = second.lines.find((line) => line.level === 'error');
    // The state records (flags, tags) and removal of message 1, the copy into Projects and its expunge.
    expect(said).toMatchObject({ framesSkipped: 2, recordsNamingWhatWasSkipped: 5 });
  });

  it("files a login's mail in its INBOX still when the record of its folders was skipped", async () => {
    const { sent, data } = await tenMessages();
    const folders = framesOf(data).find((frame) => recordAt(data, frame).t === 'folders' && JSON.stringify(recordAt(data, frame)).includes('bob@blue.com'));
    const damaged = Buffer.from(data);
    flip(damaged, (folders as { offset: number }).offset + 8 + 20, 0xff);
    await writeFile(journal, damaged);
    const second = await open();
    expect(second.store.folder('bob@blue.com', 'INBOX')?.entries.map((e) => [e.uid, e.message.id])).toEqual(sent.map((m, n) => [n + 1, m.id]));
    await second.durable.close();
    expect(second.lines.find((line) => line.level === 'error')).toMatchObject({ framesSkipped: 1, recordsRecovered: framesOf(data).length - 1 });
  });

  it('cuts a torn tail as before: a warning, and no copy', async () => {
    const { sent, data } = await tenMessages();
    // The last message's frame, cut short by a crash.
    await writeFile(journal, data.subarray(0, data.length - 37));
    const second = await open();
    expect(second.store.messages().map((m) => m.id)).toEqual(sent.slice(0, 9).map((m) => m.id));
    await second.durable.close();
    const last = framesOf(data).at(-1) as { offset: number; length: number };
    expect(second.lines.filter((line) => line.level === 'warn' || line.level === 'error')).toEqual([
      expect.objectContaining({ level: 'warn', msg: 'journal had a torn tail (a crash mid-write); it was cut off', bytes: last.length - 37 }),
    ]);
    expect(await readdir(dir)).toEqual(['journal.lbx']);
  });

  it('cuts bytes appended after the last frame, and a length promising more than follows, as a torn tail', async () => {
    const { sent, data } = await tenMessages();
    await appendFile(journal, 'garbage appended here\n');
    const huge = Buffer.alloc(8);
    huge.writeUInt32BE(0xfffffff0, 0);
    for (const tail of [Buffer.from('garbage appended here\n'), huge]) {
      await writeFile(journal, Buffer.concat([data, tail]));
      const again = await open();
      expect(again.store.messages().map((m) => m.id)).toEqual(sent.map((m) => m.id));
      await again.durable.close();
      expect(again.lines.filter((line) => line.level === 'error')).toEqual([]);
      expect(await readdir(dir)).toEqual(['journal.lbx']);
    }
  });
});
