import { MailpitClient } from 'mailpit-api';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { Chaos, ChaosError, parseTriggers } from '../../server/chaos/chaos.js';
import { loadConfig } from '../../server/config.js';
import { OptionError } from '../../server/lib/options.js';
import { startLetterbox, type Letterbox } from '../../server/index.js';

/** What an app sees: nodemailer's error (its SMTP reply code and the command it failed at) or the reply. */
async function send(box: Letterbox, options: { auth?: boolean } = {}): Promise<{ ok: true; response: string } | { ok: false; code: number | undefined; command: string | undefined; response: string }> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: box.smtp!.port,
    secure: false,
    ignoreTLS: true,
    ...(options.auth ? { auth: { user: 'app', pass: 'secret' } } : {}),
  });
  try {
    const info = await transport.sendMail({ from: 'app@red.com', to: 'bob@blue.com', subject: 'chaos', text: 'hello' });
    return { ok: true, response: info.response };
  } catch (error) {
    const e = error as { responseCode?: number; command?: string; response?: string };
    return { ok: false, code: e.responseCode, command: e.command, response: e.response ?? String(error) };
  } finally {
    transport.close();
  }
}

describe('chaos with nodemailer', () => {
  let box: Letterbox | undefined;
  afterEach(async () => {
    await box?.stop();
    box = undefined;
  });

  it.each([
    ['Connect', 'connect', 421, 'CONN'],
    ['Sender', 'mailFrom', 451, 'MAIL FROM'],
    ['Recipient', 'rcptTo', 550, 'RCPT TO'],
    ['Data', 'data', 552, 'DATA'],
  ] as const)('a %s trigger at 100%% fails exactly that stage with its code', async (stage, _key, code, command) => {
    box = await startLetterbox({ enableChaos: true, smtp: { authAcceptAny: true } });
    await box.client.setChaos({ [stage]: { ErrorCode: code, Probability: 100 } });
    const result = await send(box);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe(code);
    expect(result.command).toBe(command);
    expect(box.store.messages()).toHaveLength(0);
  });

  it('an Authentication trigger fails AUTH', async () => {
    box = await startLetterbox({ chaosTriggers: parseTriggers('Authentication:535:100'), smtp: { authAcceptAny: true } });
    const result = await send(box, { auth: true });
    expect(result).toMatchObject({ ok: false, code: 535, command: 'AUTH PLAIN' });
    expect((await box.client.chaos()).Authentication).toEqual({ ErrorCode: 535, Probability: 100 });
  });

  it('probability 0 never fires, and PUT {} turns every trigger off', async () => {
    box = await startLetterbox({ chaosTriggers: parseTriggers('Sender:451:100,Recipient:550:0') });
    expect(await send(box)).toMatchObject({ ok: false, code: 451 });
    const cleared = await box.client.setChaos({});
    expect(Object.values(cleared).every((t) => t?.Probability === 0)).toBe(true);
    expect(await send(box)).toMatchObject({ ok: true });
    expect(box.store.messages()).toHaveLength(1);
  });

  it('pause refuse answers 421 until resumed; pause discard accepts and drops', async () => {
    box = await startLetterbox({ enableChaos: true });
    expect(await box.client.setChaosPause('refuse')).toEqual({ Mode: 'refuse' });
    expect(await send(box)).toMatchObject({ ok: false, code: 421 });
    await box.client.setChaosPause('discard');
    const discarded = await send(box);
    expect(discarded).toMatchObject({ ok: true });
    expect(discarded.ok && discarded.response).toMatch(/^250 .*discarded/);
    expect(box.store.messages()).toHaveLength(0);
    await box.client.setChaosPause('off');
    expect(await send(box)).toMatchObject({ ok: true });
    expect(box.store.messages()).toHaveLength(1);
  });

  it('speaks Mailpit\'s chaos API to the mailpit-api npm client', async () => {
    box = await startLetterbox({ enableChaos: true });
    const mailpit = new MailpitClient(box.url!);
    const set = await mailpit.setChaosTriggers({ Recipient: { ErrorCode: 450, Probability: 100 } });
    expect(set.Recipient).toEqual({ ErrorCode: 450, Probability: 100 });
    expect((await mailpit.getChaosTriggers()).Sender).toEqual({ ErrorCode: 451, Probability: 0 });
    expect(await send(box)).toMatchObject({ ok: false, code: 450, command: 'RCPT TO' });
    await mailpit.setChaosTriggers();
    expect(await send(box)).toMatchObject({ ok: true });
  });

  it('answers 400 "Chaos is not enabled" unless enabled, as Mailpit does', async () => {
    box = await startLetterbox();
    const response = await fetch(`${box.url}api/v1/chaos`);
    expect(response.status).toBe(400);
    expect(await response.text()).toBe('Chaos is not enabled');
    expect((await fetch(`${box.url}api/v1/chaos/pause`, { method: 'PUT', body: '{"Mode":"refuse"}', headers: { 'content-type': 'application/json' } })).status).toBe(400);
    expect(await send(box)).toMatchObject({ ok: true });
    expect(((await (await fetch(`${box.url}api/v1/webui`)).json()) as { ChaosEnabled: boolean }).ChaosEnabled).toBe(false);
    await box.stop();
    box = await startLetterbox({ enableChaos: true });
    expect(((await (await fetch(`${box.url}api/v1/webui`)).json()) as { ChaosEnabled: boolean }).ChaosEnabled).toBe(true);
  });

  it('refuses bad trigger bodies with a 400 and keeps the old triggers', async () => {
    box = await startLetterbox({ chaosTriggers: parseTriggers('Sender:451:30') });
    const put = (body: string) => fetch(`${box!.url}api/v1/chaos`, { method: 'PUT', body, headers: { 'content-type': 'application/json' } });
    for (const body of ['[1]', '{"Sender":{"ErrorCode":200,"Probability":5}}', '{"Sender":{"ErrorCode":451,"Probability":101}}', '{"Bogus":{}}', '{"Sender":"x"}', '{not json']) {
      expect((await put(body)).status, body).toBe(400);
    }
    expect((await box.client.chaos()).Sender).toEqual({ ErrorCode: 451, Probability: 30 });
    expect((await fetch(`${box.url}api/v1/chaos/pause`, { method: 'PUT', body: '{"Mode":"sleep"}', headers: { 'content-type': 'application/json' } })).status).toBe(400);
  });
});

describe('chaos rules', () => {
  it('fires at the configured rate', () => {
    let n = 0;
    const chaos = new Chaos({ triggers: { rcpt: { code: 450, probability: 25 } }, random: () => (n++ % 100) / 100 });
    let fired = 0;
    for (let i = 0; i < 100; i++) if (chaos.verdict('rcpt')) fired++;
    expect(fired).toBe(25);
    expect(chaos.verdict('mail')).toBeUndefined();
  });

  it('parses flags, and refuses bad ones with a clear option error', () => {
    expect(parseTriggers('sender:451:10, RCPT:550:5,Data:552:100')).toEqual({ mail: { code: 451, probability: 10 }, rcpt: { code: 550, probability: 5 }, data: { code: 552, probability: 100 } });
    expect(() => parseTriggers('Sender:250:10')).toThrow(ChaosError);
    expect(() => parseTriggers('Helo:451:10')).toThrow(/Stage:code:probability/);
    expect(() => loadConfig(['--chaos-triggers', 'Sender:451'], {})).toThrow(OptionError);
    expect(loadConfig([], { LETTERBOX_CHAOS_TRIGGERS: 'Connect:421:50' }).chaosTriggers).toEqual({ connect: { code: 421, probability: 50 } });
  });
});
