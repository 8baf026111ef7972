import { listener } from '../lib/options.js';

export const imapOptions = {
  imap: listener('IMAP listener', 1143),
};
