import { listener } from '../lib/options.js';

export const pop3Options = {
  pop3: listener('POP3 listener', 1110),
};
