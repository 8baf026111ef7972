import { describe, expect, it } from 'vitest';
import { defaultConfig, loadConfig, optionGroups } from '../../server/config.js';
import { helpText, OptionError } from '../../server/lib/options.js';
import { SEEN } from '../../server/store/types.js';
import { startTestSandbox } from '../helpers/sandbox.js';
import { Pop3Dialogue } from './pop3-dialogue.js';

describe('POP3 options', () => {
  it('defaults: 1110 on loopback, no POP3S, 10-minute idle timeout, RETR leaves mail unread', () => {
    const config = defaultConfig();
    expect(config.pop3).toEqual({ host: '', port: 1110 });
    expect(config.pop3s).toBeNull();
    expect(config.pop3Timeout).toBe(600_000);
    expect(config.pop3MarkRead).toBe(false);
    expect(config.pop3RequireTls).toBe(false);
    expect(config.pop3MaxLine).toBe(1024);
  });

  it('flags and LETTERBOX_* variables set them; bad values are refused', () => {
    const config = loadConfig(['--pop3', 'off', '--pop3s', ':1995', '--smtp-tls', 'self-signed', '--pop3-timeout', '15m', '--pop3-mark-read'], {
      LETTERBOX_POP3_MAX_BAD_COMMANDS: '5',
    });
    expect(config.pop3).toBeNull();
    expect(config.pop3s).toEqual({ host: '', port: 1995 });
    expect(config.pop3Timeout).toBe(900_000);
    expect(config.pop3MarkRead).toBe(true);
    expect(config.pop3MaxBadCommands).toBe(5);
    expect(() => loadConfig(['--pop3-max-line', '10'], {})).toThrow(OptionError);
    expect(() => loadConfig(['--pop3-timeout', 'soon'], {})).toThrow(OptionError);
  });

  it('--help lists every POP3 option', () => {
    const help = helpText(optionGroups);
    for (const flag of ['--pop3 ', '--pop3s ', '--pop3-require-tls', '--pop3-mark-read', '--pop3-timeout', '--pop3-max-line', '--pop3-max-bad-commands']) {
      expect(help).toContain(flag);
    }
  });

  it('--pop3 off and no --pop3s: no POP3 listener at all', async () => {
    const box = await startTestSandbox({ pop3: null });
    expect(box.listeners.map((l) => l.name)).not.toContain('pop3');
    await box.stop(0);
  });
});

describe('POP3 sessions and the server around them', () => {
  it('--pop3-mark-read: RETR marks the message read for every front; TOP does not', async () => {
    const box = await startTestSandbox({ pop3MarkRead: true });
    const top = await box.store.deliver({ raw: Buffer.from('Subject: a\r\n\r\na\r\n'), envelope: { mailFrom: '', rcptTo: ['reader@blue.example'] } });
    const retr = await box.store.deliver({ raw: Buffer.from('Subject: b\r\n\r\nb\r\n'), envelope: { mailFrom: '', rcptTo: ['reader@blue.example'] } });
    const pop = await Pop3Dialogue.open(box.port('pop3'));
    await pop.login('reader@blue.example');
    await pop.multiline('TOP 1 5');
    await pop.multiline('RETR 2');
    expect(box.store.get(top.id)?.flags.has(SEEN)).toBe(false);
    expect(box.store.get(retr.id)?.flags.has(SEEN)).toBe(true);
    pop.close();
    await box.stop(0);
  });

  it('stopping the server tells idle sessions [SYS/TEMP] and deletes nothing marked', async () => {
    const box = await startTestSandbox();
    const message = await box.store.deliver({ raw: Buffer.from('Subject: a\r\n\r\na\r\n'), envelope: { mailFrom: '', rcptTo: ['stop@blue.example'] } });
    const pop = await Pop3Dialogue.open(box.port('pop3'));
    await pop.login('stop@blue.example');
    await pop.command('DELE 1');
    await box.stop(1000);
    expect(await pop.readLine()).toBe('-ERR [SYS/TEMP] Letterbox is shutting down');
    await pop.closed;
    expect(box.store.get(message.id)).toBeDefined();
  });

  it('a bug inside a command is answered [SYS/TEMP], closes only that connection, and the server goes on', async () => {
    const box = await startTestSandbox({ pop3MarkRead: true });
    box.store.deliver({ raw: Buffer.from('Subject: a\r\n\r\na\r\n'), envelope: { mailFrom: '', rcptTo: ['bug@blue.example'] } });
    // Stand-in for a bug: the store throws where it never should.
    const setFlags = box.store.setFlags.bind(box.store);
    box.store.setFlags = () => {
      throw new Error('simulated bug');
    };
    const pop = await Pop3Dialogue.open(box.port('pop3'));
    await pop.login('bug@blue.example');
    expect(await pop.command('RETR 1')).toBe('-ERR [SYS/TEMP] Internal server error');
    await pop.closed;
    box.store.setFlags = setFlags;
    const again = await Pop3Dialogue.open(box.port('pop3'));
    expect(await again.login('bug@blue.example')).toMatch(/^\+OK Maildrop has 1 message/);
    again.close();
    await box.stop(0);
  });
});
