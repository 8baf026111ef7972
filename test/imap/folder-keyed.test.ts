import { describe, expect, it } from 'vitest';
import { FolderKeyed } from '../../server/imap/folder-keyed.js';
import type { FolderInfo } from '../../server/store/folders.js';
import { MemoryStore } from '../../server/store/memory-store.js';

const LOGIN = 'bob@blue.example';

async function made(store: MemoryStore, name: string): Promise<FolderInfo> {
  const folder = await store.createFolder(LOGIN, name);
  if (typeof folder === 'string') throw new Error(`could not make ${name}: ${folder}`);
  return folder;
}

describe('values kept per folder, by login and UIDVALIDITY', () => {
  it('follows a folder through a rename and to a copy of it, and a folder made again under its name starts afresh', async () => {
    const store = new MemoryStore({ limits: { maxMessages: 0, maxBytes: 0 } });
    const kept = new FolderKeyed<string>(store);
    const folder = await made(store, 'Projects');
    kept.set(LOGIN, folder, 'history');
    await store.renameFolder(LOGIN, 'Projects', 'Done');
    expect(kept.get(LOGIN, store.folder(LOGIN, 'Done') as FolderInfo)).toBe('history');
    // What a rebuilt index has: another object for the same folder.
    expect(kept.get('BOB@blue.example', { ...folder })).toBe('history');
    expect(kept.get('eve@blue.example', folder)).toBeUndefined();
    await store.deleteFolder(LOGIN, 'Done');
    expect(kept.get(LOGIN, await made(store, 'Done'))).toBeUndefined();
  });

  it('stays bounded while a client makes and deletes folder after folder', async () => {
    const store = new MemoryStore({ limits: { maxMessages: 0, maxBytes: 0 } });
    const kept = new FolderKeyed<number>(store);
    const lasting = await made(store, 'Lasting');
    kept.set(LOGIN, lasting, 1);
    let most = 0;
    for (let i = 0; i < 3_000; i++) {
      kept.set(LOGIN, await made(store, `Scratch ${i}`), i);
      await store.deleteFolder(LOGIN, `Scratch ${i}`);
      most = Math.max(most, kept.size);
    }
    expect(most).toBeLessThanOrEqual(512);
    expect(kept.get(LOGIN, lasting)).toBe(1);
  });
});
