/** Worker side of the thumbnail job (see parse-jobs.ts). */
import { thumbnail } from '../mime/thumbnail.js';
import type { JobHandler } from './codec.js';

/** The part's bytes in, its JPEG thumbnail out; the request is the part's content type. */
const thumbnailJob: JobHandler<string, Buffer> = (content, contentType) => thumbnail(content, contentType);
export default thumbnailJob;
