import { listener, text } from '../lib/options.js';

export const httpOptions = {
  listen: listener('HTTP listener for the web inbox and the API', 8025),
  webroot: text('Path prefix the web inbox and API are served under', '/'),
};
