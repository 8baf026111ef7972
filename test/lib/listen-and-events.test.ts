import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { closeServer, listen } from '../../server/lib/listen.js';
import { TypedEmitter } from '../../server/lib/typed-emitter.js';

describe('listen', () => {
  it('resolves with the bound port for port 0, and closes idempotently', async () => {
    const server = createServer();
    const bound = await listen(server, { host: '127.0.0.1', port: 0 }, '--smtp');
    expect(bound.host).toBe('127.0.0.1');
    expect(bound.port).toBeGreaterThan(0);
    await closeServer(server);
    await closeServer(server);
    expect(server.listening).toBe(false);
  });

  it('rejects a port in use with the code, address and port the CLI prints', async () => {
    const first = createServer();
    const { port } = await listen(first, { host: '127.0.0.1', port: 0 }, '--smtp');
    try {
      await expect(listen(createServer(), { host: '127.0.0.1', port }, '--pop3')).rejects.toMatchObject({ code: 'EADDRINUSE', address: '127.0.0.1', port, option: '--pop3' });
    } finally {
      await closeServer(first);
    }
  });
});

describe('TypedEmitter', () => {
  it('calls listeners in order, survives one that throws, and unsubscribes', () => {
    const events = new TypedEmitter<{ ping: { n: number } }>();
    const seen: string[] = [];
    const failures: string[] = [];
    events.onListenerError = (_error, event) => failures.push(event);
    const off = events.on('ping', ({ n }) => seen.push(`a${n}`));
    events.on('ping', () => {
      throw new Error('broken listener');
    });
    events.on('ping', ({ n }) => seen.push(`c${n}`));
    events.emit('ping', { n: 1 });
    off();
    events.emit('ping', { n: 2 });
    expect(seen).toEqual(['a1', 'c1', 'c2']);
    expect(failures).toEqual(['ping', 'ping']);
    expect(events.listenerCount('ping')).toBe(2);
  });
});
