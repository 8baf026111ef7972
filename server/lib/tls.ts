import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { OptionError } from './options.js';

/** The key and certificate every TLS listener (SMTP, POP3, IMAP, HTTPS) serves. */
export interface TlsMaterial {
  key: string;
  cert: string;
  selfSigned: boolean;
}

export interface TlsSettings {
  /** `off`, `files` (from certFile/keyFile) or `self-signed` (a certificate made at start). */
  mode: 'off' | 'files' | 'self-signed';
  certFile: string;
  keyFile: string;
  /** The name the self-signed certificate is issued to. */
  hostname: string;
  /** The options that name the files, for messages: `--smtp-tls` (…-cert, …-key). */
  option?: string;
}

export async function loadTls(settings: TlsSettings): Promise<TlsMaterial | null> {
  if (settings.mode === 'off') return null;
  if (settings.mode === 'self-signed') {
    // Loaded only here: the certificate library is a large share of an idle heap.
    const { generate } = await import('selfsigned');
    const pems = await generate([{ name: 'commonName', value: settings.hostname }], {
      keySize: 2048,
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: settings.hostname }, { type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
    });
    return { key: pems.private, cert: pems.cert, selfSigned: true };
  }
  if (!settings.certFile || !settings.keyFile) throw new OptionError('TLS needs both a certificate file and a key file');
  const read = async (path: string, what: string) => {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      throw new OptionError(`cannot read TLS ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  };
  const material = { cert: await read(settings.certFile, 'certificate'), key: await read(settings.keyFile, 'key'), selfSigned: false };
  // A file that is not PEM, or a key that does not match the certificate, is the user's
  // to fix: said at start, not at each client's failed handshake.
  try {
    createSecureContext({ key: material.key, cert: material.cert });
  } catch (error) {
    const [cert, key] = settings.option ? [`${settings.option}-cert`, `${settings.option}-key`] : ['TLS certificate', 'TLS key'];
    throw new OptionError(`${cert} ${settings.certFile} and ${key} ${settings.keyFile} are not a usable certificate and key: ${(error as Error).message}`);
  }
  return material;
}
