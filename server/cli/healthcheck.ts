/**
 * `letterbox healthcheck`: asks a running Letterbox's HTTP front whether it is alive
 * (GET <webroot>livez), for container health checks. It reads the same flags and
 * LETTERBOX_* variables as the server, so a health check run in the container's
 * environment follows --listen, --webroot and --ui-tls; when --ports-file names a file
 * the server wrote, the address bound there wins (it follows flags given to the server
 * alone, and port 0). Exit 0 when alive, 1 when not, 2 for options it cannot use.
 */
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { loadConfig } from '../config.js';
import { formatHostPort, resolveListenHost } from '../lib/host-port.js';
import { OptionError } from '../lib/options.js';
import type { Command } from './io.js';

const USAGE = `Usage: letterbox healthcheck [options]

Exits 0 when the Letterbox that these options (or LETTERBOX_* variables) describe
answers on its HTTP listener's <webroot>livez, 1 otherwise. Takes every server option;
those read are --listen, --listen-all, --webroot, --ui-tls and --ports-file. For a
container: HEALTHCHECK CMD ["letterbox", "healthcheck"].
`;

const TIMEOUT_MS = 3_000;

interface Target {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  path: string;
}

export const healthcheck: Command = async (argv, io) => {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(USAGE);
    return 0;
  }
  let target: Target;
  try {
    target = await targetOf(argv, io.env);
  } catch (error) {
    if (!(error instanceof OptionError)) throw error;
    io.stderr.write(`letterbox healthcheck: ${error.message}\n`);
    return 2;
  }
  const url = `${target.scheme}://${formatHostPort(target)}${target.path}`;
  const answer = await ask(target);
  if (answer === 'ok') return 0;
  io.stderr.write(`letterbox healthcheck: ${url}: ${answer}\n`);
  return 1;
};

async function targetOf(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<Target> {
  const config = loadConfig(argv, env);
  if (!config.listen) throw new OptionError('the HTTP listener is off (--listen off): there is nothing to ask');
  const path = `${config.webroot}livez`;
  const written = config.portsFile ? await boundHttp(config.portsFile) : undefined;
  if (written) return { ...written, host: reachable(written.host), path };
  const { host, port } = resolveListenHost(config.listen, config);
  if (port === 0) throw new OptionError('--listen has port 0: give --ports-file so the bound port can be read');
  return { scheme: config.uiTls === 'off' ? 'http' : 'https', host: reachable(host), port, path };
}

/** The HTTP listener as the server wrote it to --ports-file, or undefined before it has. */
async function boundHttp(file: string): Promise<Omit<Target, 'path'> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  let http: { host?: unknown; port?: unknown; scheme?: unknown } | undefined;
  try {
    http = (JSON.parse(text) as Record<string, typeof http>).http;
  } catch {
    return undefined; // being written
  }
  if (typeof http?.host !== 'string' || typeof http.port !== 'number') return undefined;
  return { scheme: http.scheme === 'https' ? 'https' : 'http', host: http.host, port: http.port };
}

/** A wildcard address is reached on loopback. */
function reachable(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

/** 'ok', or what went wrong. A self-signed certificate (--ui-tls self-signed) is expected here. */
function ask(target: Target): Promise<string> {
  return new Promise((resolve) => {
    const request = (target.scheme === 'https' ? httpsRequest : httpRequest)(
      { host: target.host, port: target.port, path: target.path, method: 'GET', timeout: TIMEOUT_MS, rejectUnauthorized: false },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body = (body + chunk).slice(0, 200)));
        response.on('end', () => resolve(response.statusCode === 200 && body === 'ok' ? 'ok' : `HTTP ${response.statusCode}`));
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    request.on('error', (error) => resolve(error.message));
    request.end();
  });
}
