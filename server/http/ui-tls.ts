import { createSecureContext } from 'node:tls';
import type { Config } from '../config.js';
import { OptionError } from '../lib/options.js';
import { loadTls, type TlsMaterial } from '../lib/tls.js';

/**
 * The key and certificate the HTTP listener serves HTTPS with (--ui-tls), or null for
 * plain HTTP. When SMTP already made a self-signed certificate it is reused, so one
 * instance presents one certificate to trust.
 */
export async function loadUiTls(config: Pick<Config, 'uiTls' | 'uiTlsCert' | 'uiTlsKey' | 'hostname'>, mailTls: TlsMaterial | null): Promise<TlsMaterial | null> {
  if (config.uiTls === 'self-signed' && mailTls?.selfSigned) return mailTls;
  const material = await loadTls({ mode: config.uiTls, certFile: config.uiTlsCert, keyFile: config.uiTlsKey, hostname: config.hostname });
  if (material && !material.selfSigned) usable(material, config);
  return material;
}

/** A file that is not PEM, or a key that does not match the certificate, is the user's to fix. */
function usable(material: TlsMaterial, config: Pick<Config, 'uiTlsCert' | 'uiTlsKey'>): void {
  try {
    createSecureContext({ key: material.key, cert: material.cert });
  } catch (error) {
    throw new OptionError(`--ui-tls-cert ${config.uiTlsCert} and --ui-tls-key ${config.uiTlsKey} are not a usable certificate and key: ${(error as Error).message}`);
  }
}
