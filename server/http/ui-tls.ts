import type { HttpConfig } from './options.js';
import { loadTls, type TlsMaterial } from '../lib/tls.js';

/**
 * The key and certificate the HTTP listener serves HTTPS with (--ui-tls), or null for
 * plain HTTP. When SMTP already made a self-signed certificate it is reused, so one
 * instance presents one certificate to trust.
 */
export async function loadUiTls(config: Pick<HttpConfig, 'uiTls' | 'uiTlsCert' | 'uiTlsKey' | 'hostname'>, mailTls: TlsMaterial | null): Promise<TlsMaterial | null> {
  if (config.uiTls === 'self-signed' && mailTls?.selfSigned) return mailTls;
  return loadTls({ mode: config.uiTls, certFile: config.uiTlsCert, keyFile: config.uiTlsKey, hostname: config.hostname, option: '--ui-tls' });
}
