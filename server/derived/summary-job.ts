/** Worker side of the body-summary job (see parse-jobs.ts). */
import { summariseBody, type SummaryMode } from '../mime/body-summary.js';
import type { BodySummary } from '../mime/types.js';
import type { JobHandler } from './codec.js';

const summaryJob: JobHandler<SummaryMode, BodySummary> = (raw, mode) => summariseBody(raw, mode);
export default summaryJob;
