import { duration, integer, OptionError, text, type OptionSpec, type OptionValues } from '../lib/options.js';

function httpUrl(description: string): OptionSpec<string> {
  return {
    description,
    default: '',
    metavar: 'URL',
    parse: (value, name) => {
      if (value === '') return '';
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        throw new OptionError(`${name}: "${value}" is not a URL`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OptionError(`${name}: expected an http or https URL, got "${value}"`);
      return url.href;
    },
  };
}

/** Webhooks: a POST of each new message's summary, queued and retried. */
export const webhookOptions = {
  webhookUrl: httpUrl('POST the summary JSON of every new message to this URL (Mailpit\'s webhook payload)'),
  webhookSecret: text('Sign each webhook body with HMAC-SHA256 under this secret (X-Letterbox-Signature-256: sha256=<hex>)', '', 'SECRET'),
  webhookQueue: integer('Most webhook events waiting to be sent; past it new events are dropped, counted and logged', 10_000, 1),
  webhookAttempts: integer('Tries per webhook event before it is dropped (counted and logged)', 6, 1, 100),
  webhookBackoff: duration('Wait before the first retry; doubled for each retry after, up to 1 minute', 1_000),
  webhookTimeout: duration('Longest wait for the webhook receiver to answer one call', 5_000),
};

/** What the webhook service reads: its options and the instance's label (sent in each payload). */
export type WebhookConfig = OptionValues<typeof webhookOptions> & { label: string };
