import { access, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportCommand } from '../../server/cli/export.js';
import { runCli, runInProcess } from '../cli-tools/run-command.js';

/** A web server that is not Letterbox: 200 with a page (or what `type` says) to any GET. */
async function otherServer(type: string | undefined, body: string): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    const headers: Record<string, string> = type === undefined ? {} : { 'content-type': type };
    res.writeHead(200, headers);
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/` };
}

describe('letterbox export saves only the archive it asked for', () => {
  let dir: string;
  const servers: Server[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'letterbox-export-response-'));
  });
  afterAll(async () => {
    for (const server of servers) server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('an HTML page at --url: exit 69, said, and no file nor partial file left (a real process)', async () => {
    const { server, url } = await otherServer('text/html; charset=utf-8', '<!doctype html><title>Router login</title>');
    servers.push(server);
    const out = join(dir, 'page.mbox');
    const result = await runCli(['export', '--url', url, '-o', out]);
    expect(result.status).toBe(69);
    expect(result.stderr).toBe(
      `letterbox export: ${url.slice(0, -1)}/api/v1/export answered with Content-Type "text/html; charset=utf-8", not application/mbox: is ${url} a Letterbox web root? Nothing was written.\n`,
    );
    expect(result.stdout).toBe('');
    await expect(access(out)).rejects.toThrow();
    expect(await readdir(dir)).toEqual([]);
  });

  it.each([
    ['no Content-Type', undefined, 'mbox', /answered with no Content-Type, not application\/mbox/],
    ['a zip when an mbox was asked for', 'application/zip', 'mbox', /Content-Type "application\/zip", not application\/mbox/],
    ['JSON', 'application/json', 'zip', /Content-Type "application\/json", not application\/zip/],
  ] as const)('%s: exit 69, nothing on standard output with -o -', async (_, type, format, message) => {
    const { server, url } = await otherServer(type, 'From x\n');
    servers.push(server);
    const result = await runInProcess(exportCommand, ['--url', url, '--format', format, '-o', '-']);
    expect(result.status).toBe(69);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
    const file = await runInProcess(exportCommand, ['--url', url, '--format', format, '-o', join(dir, `x.${format}`)]);
    expect(file.status).toBe(69);
    expect(await readdir(dir)).toEqual([]);
  });

  it('takes the right type whatever its case and parameters', async () => {
    const { server, url } = await otherServer('Application/MBOX; charset=binary', 'From a@b.c Mon Jan  1 00:00:00 2024\nSubject: x\n\nbody\n\n');
    servers.push(server);
    const out = join(dir, 'ok.mbox');
    const result = await runInProcess(exportCommand, ['--url', url, '-o', out]);
    expect(result.status).toBe(0);
    expect(await readdir(dir)).toEqual(['ok.mbox']);
    await rm(out);
  });
});
