import { duration, flag, list, listener, oneOf, size, text } from '../lib/options.js';

export const httpOptions = {
  listen: listener('HTTP listener for the web inbox and the API', 8025),
  webroot: text('Path prefix the web inbox and API are served under', '/'),
  uiAuthFile: text('htpasswd-style file (bcrypt, {SHA} or plain); when set, the web inbox, API and WebSocket need HTTP Basic auth'),
  apiCors: list('Origins allowed to call the API from another site (CORS), comma-separated, or *'),
  uiDir: text('Directory holding the built web inbox (index.html and assets); default: dist/ui of the installation'),
  waitMaxTimeout: duration('Longest time GET /api/v1/wait may be asked to wait', 300_000),
  uiTls: oneOf('HTTPS for the web inbox, API and WebSocket: from --ui-tls-cert/--ui-tls-key, or a certificate made at start', 'off', ['off', 'files', 'self-signed'] as const),
  uiTlsCert: text('PEM certificate file for HTTPS (implies --ui-tls files)'),
  uiTlsKey: text('PEM private key file for HTTPS'),
  allowedHosts: list('Host names the web inbox and API answer to besides loopback names and --hostname, comma-separated, or * for any. A loopback listener always checks the Host header (DNS rebinding); one bound beyond loopback only when this is set'),
  allowInternalHttpRequests: flag('Let the link check reach loopback, private and other special-use addresses (off: a caught message cannot make Letterbox probe your network)'),
  wsMaxBuffer: size('Most bytes queued for one WebSocket client; a client that falls further behind is disconnected', 1024 * 1024),
};
