import type { SharedConfig } from '../front.js';
import type { HostPort } from '../lib/host-port.js';
import { duration, file, flag, list, listener, oneOf, OptionError, size, text, type OptionSpec, type OptionValues } from '../lib/options.js';
import type { RelayConfig } from '../relay/options.js';

/** Node keeps request timeouts in 32 bits of milliseconds; a day is far past any upload. */
const LONGEST_REQUEST = 24 * 3_600_000;

/**
 * The whole-request deadline: headers and body must have arrived within it, however
 * steadily they trickle in; 0 turns it off.
 */
function requestDeadline(): OptionSpec<number> {
  const spec = duration('Time a client has to send a whole request, headers and body; past it the connection gets 408 and is closed. 0 = no limit', 30_000);
  return {
    ...spec,
    parse: (t, name) => {
      const ms = spec.parse(t, name);
      if (ms > LONGEST_REQUEST) throw new OptionError(`${name}: at most 24h, got "${t}"`);
      return ms;
    },
  };
}

export const httpOptions = {
  listen: listener('HTTP listener for the web inbox and the API', 8025),
  webroot: text('Path prefix the web inbox and API are served under', '/', 'PATH'),
  uiAuthFile: file('htpasswd-style file (bcrypt, {SHA} or plain); when set, the web inbox, API and WebSocket need HTTP Basic auth'),
  apiCors: list('Origins allowed to call the API from another site (CORS), comma-separated, or *'),
  uiDir: file('Directory holding the built web inbox (index.html and assets); default: dist/ui of the installation', 'DIR'),
  httpRequestTimeout: requestDeadline(),
  waitMaxTimeout: duration('Longest time GET /api/v1/wait may be asked to wait', 300_000),
  uiTls: oneOf('HTTPS for the web inbox, API and WebSocket: from --ui-tls-cert/--ui-tls-key, or a certificate made at start', 'off', ['off', 'files', 'self-signed'] as const),
  uiTlsCert: file('PEM certificate file for HTTPS (implies --ui-tls files)'),
  uiTlsKey: file('PEM private key file for HTTPS'),
  allowedHosts: list('Host names the web inbox and API answer to besides loopback names and --hostname, comma-separated, or * for any. A loopback listener always checks the Host header (DNS rebinding); one bound beyond loopback only when this is set'),
  allowInternalHttpRequests: flag('Let the link check reach loopback, private and other special-use addresses (off: a caught message cannot make Letterbox probe your network)'),
  wsMaxBuffer: size('Most bytes queued for one WebSocket client; a client that falls further behind is disconnected', 1024 * 1024),
};

/** What the HTTP front reads beyond its own options: the send API's size limit, the spam check, and release settings /api/v1/info shows. */
export const HTTP_READS = ['label', 'smtpMaxSize', 'enableSpamassassin', 'releaseSmarthost', 'releaseMx', 'releaseSender', 'releaseAllow', 'releaseOverrideFrom', 'releaseNewMessageId'] as const;

/** What the HTTP front reads: its options, the shared ones and HTTP_READS (limits settled, Infinity = none). */
export type HttpConfig = OptionValues<typeof httpOptions> &
  SharedConfig &
  Pick<RelayConfig, 'releaseSmarthost' | 'releaseMx' | 'releaseSender' | 'releaseAllow' | 'releaseOverrideFrom' | 'releaseNewMessageId'> & {
    label: string;
    smtpMaxSize: number;
    enableSpamassassin: HostPort | null;
  };
