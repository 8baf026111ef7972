/** `letterbox-mail/client`: the typed API client alone, with no server code. */
export { createClient, LetterboxApiError, LetterboxClient, WaitTimeoutError } from './client.js';
export type { ClientOptions, InboxOptions, PageOptions, SearchOptions, Selection, WaitOptions } from './client.js';
export type * from '../shapes/wire-types.js';
