import { parseHostPort, type HostPort } from '../lib/host-port.js';
import { hostPortText, OptionError, type OptionSpec } from '../lib/options.js';

function spamd(description: string): OptionSpec<HostPort | null> {
  return {
    description,
    default: null,
    shown: 'off',
    metavar: 'HOST:PORT',
    format: hostPortText,
    parse: (text, name) => {
      if (/^postmark$/i.test(text.trim())) throw new OptionError(`${name}: Postmark's spam check service is not supported; give the HOST:PORT of a spamd`);
      try {
        return parseHostPort(text, '127.0.0.1');
      } catch (error) {
        throw new OptionError(`${name}: ${(error as Error).message}`);
      }
    },
  };
}

/** The SpamAssassin check, under Mailpit's flag name. */
export const spamOptions = {
  enableSpamassassin: spamd('Check messages with SpamAssassin: the HOST:PORT of a spamd (GET /api/v1/message/{ID}/sa-check, the Spam tab)'),
};
