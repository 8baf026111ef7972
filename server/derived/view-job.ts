/** Worker side of the parsed-view job (see parse-jobs.ts). */
import { parseRaw, type ParsedMessage } from '../mime/parse.js';
import type { JobHandler } from './codec.js';

/**
 * A parsed view as it crosses threads: the header lines — thousands in a flood, read by
 * no route — travel as one JSON string, split only if someone asks.
 */
export interface PackedView extends Omit<ParsedMessage, 'headerLines'> {
  headerLines: string;
}

const viewJob: JobHandler<null, PackedView> = async (raw) => {
  const view = await parseRaw(raw);
  return { ...view, headerLines: JSON.stringify(view.headerLines) };
};
export default viewJob;
