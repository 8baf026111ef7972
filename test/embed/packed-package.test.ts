/**
 * The package as a user gets it: built, packed by `npm pack`, installed into a project
 * of its own (no registry), then used the three documented ways: `npx letterbox`,
 * `import('letterbox-mail')`, `import('letterbox-mail/client')`, plus its types from TypeScript.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLetterboxProcess } from '../../examples/cli-process/letterbox-process.js';
import { installPackedLetterbox, OFFLINE_NPM_ENV, run, type PackedInstall } from './packed-install.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** Runs in the installed project as plain ESM, as a user's script would. */
const EMBEDDING_SCRIPT = `
import { startLetterbox } from 'letterbox-mail';
import { createClient } from 'letterbox-mail/client';

const box = await startLetterbox({ smtp: { port: 0 } });
try {
  const client = createClient(box.url);
  const id = await client.send({ From: { Email: 'app@red.com' }, To: [{ Email: 'bob@blue.com' }], Subject: 'from the package', Text: 'hello' });
  const seen = await box.client.waitForMessage({ query: 'subject:"from the package"', timeout: 5000 });
  const inbox = await (await fetch(box.url)).text();
  // Past 128 KB a message is parsed on a worker thread, whose module must ship too.
  const big = await client.send({ From: { Email: 'app@red.com' }, To: [{ Email: 'bob@blue.com' }], Subject: 'big', Text: 'x'.repeat(200_000) });
  const bigText = (await client.get(big)).Text.trim().length;
  const { Version: version } = await (await fetch(box.url + 'api/v1/info')).json();
  console.log(JSON.stringify({ smtpPort: box.smtp.port, id, seen: seen.ID, stored: box.store.messages().length, inbox, bigText, version }));
} finally {
  await box.stop();
}
`;

/** Compiled with the package's own .d.ts files only: any type the package fails to ship is an error here. */
const TYPED_CONSUMER = `
import { startLetterbox, type Letterbox, type MessageSummary } from 'letterbox-mail';
import { createClient, type LetterboxClient, type Message } from 'letterbox-mail/client';

export async function firstSubject(): Promise<string> {
  const box: Letterbox = await startLetterbox({ smtp: { port: 0 }, http: { port: 0 }, maxMessages: 10 });
  const client: LetterboxClient = createClient(box.url ?? '');
  const hit: MessageSummary = await client.waitForMessage({ query: 'to:bob@blue.com', timeout: 1000 });
  // The wire types reach the client's own entry point too.
  const message: Message = await client.get(hit.ID);
  await box.stop();
  // @ts-expect-error an unknown option is a type error, so the options are really typed
  await startLetterbox({ noSuchOption: true });
  return hit.Subject + message.From.Address;
}
`;

const TSCONFIG = {
  compilerOptions: {
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2022',
    strict: true,
    noEmit: true,
    types: ['node'],
  },
  include: ['consumer.ts'],
};

describe('the packed package, installed', () => {
  let pkg: PackedInstall;
  const npmEnv = Object.keys(OFFLINE_NPM_ENV).map((key) => [key, process.env[key]] as const);

  beforeAll(async () => {
    pkg = await installPackedLetterbox();
    // The recipe's `npx letterbox` inherits this; no call may reach a registry.
    Object.assign(process.env, OFFLINE_NPM_ENV);
  }, 120_000);

  afterAll(async () => {
    for (const [key, value] of npmEnv) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await pkg?.remove();
  });

  it('is published as letterbox-mail, with the command still named letterbox', () => {
    expect(pkg.manifest.name).toBe('letterbox-mail');
    expect(Object.keys(pkg.manifest.bin)).toEqual(['letterbox']);
  });

  it('holds every export target, its types, the bin, the built inbox, and no sources or tests', () => {
    const files = new Set(pkg.files);
    for (const file of ['dist/server/index.js', 'dist/server/index.d.ts', 'dist/server/client/index.js', 'dist/server/client/index.d.ts', 'dist/server/main.js', 'dist/ui/index.html']) {
      expect(files.has(file), file).toBe(true);
    }
    expect(pkg.files.filter((f) => f.startsWith('server/') || f.startsWith('test/') || f.startsWith('node_modules/'))).toEqual([]);
  });

  it('`npx letterbox --help` runs the CLI', async () => {
    const result = await run('npx', ['letterbox', '--help'], pkg.project);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: letterbox /);
    expect(result.stdout).toContain('--smtp');
  });

  it('`npx letterbox-mail --help` runs the same CLI by the package name', async () => {
    const result = await run('npx', ['letterbox-mail', '--help'], pkg.project);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: letterbox /);
  });

  it('`npx letterbox` serves mail as a child process (the cli-process recipe with its default command)', async () => {
    const box = await startLetterboxProcess({ cwd: pkg.project });
    try {
      const id = await box.client.send({ From: { Email: 'app@red.com' }, To: [{ Email: 'bob@blue.com' }], Subject: 'over npx' });
      expect((await box.client.waitForMessage({ query: 'subject:"over npx"', timeout: 5000 })).ID).toBe(id);
    } finally {
      await box.stop();
    }
    // npx runs the CLI under npm exec and a shell; stopping ends the CLI too, not only them.
    await expect(fetch(box.url)).rejects.toThrow();
  });

  it('`import("letterbox-mail")` starts a sandbox on port 0 with its client, parses on its worker threads, and serves the built inbox', async () => {
    await writeFile(join(pkg.project, 'embed.mjs'), EMBEDDING_SCRIPT);
    const result = await run(process.execPath, ['embed.mjs'], pkg.project);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const out = JSON.parse(result.stdout) as { smtpPort: number; id: string; seen: string; stored: number; inbox: string; bigText: number; version: string };
    // The server finds its own manifest under the published name.
    expect(out.version).toBe(pkg.manifest.version);
    expect(out.smtpPort).toBeGreaterThan(0);
    expect(out.seen).toBe(out.id);
    expect(out.stored).toBe(2);
    expect(out.bigText).toBe(200_000);
    // The installed server finds the dist/ui shipped beside it, not the "not built" fallback.
    expect(out.inbox).toContain('<div id="app">');
  });

  it('ships types that a strict TypeScript project compiles against', async () => {
    await writeFile(join(pkg.project, 'consumer.ts'), TYPED_CONSUMER);
    await writeFile(join(pkg.project, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    const result = await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], pkg.project);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  }, 90_000);
});
