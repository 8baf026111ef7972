import type { Logger } from '../../lib/log.js';
import { damagedInTheMiddle, damageReport, type FrameDamage } from './frame-codec.js';
import { JournalFile } from './journal-file.js';

/**
 * Says what reading a journal back found, before it is rewritten from what was read:
 * damage in the middle (not what a crash leaves) keeps the file as it was beside it and
 * is an ERROR; a torn tail (a crash mid-write) is cut off with a WARN. `name` names the
 * journal in the line ("journal", "release journal"); `recovered` adds its counts.
 */
export async function noticeDamage(path: string, name: string, damage: FrameDamage, tornBytes: number, logger: Logger, recovered: Record<string, number>): Promise<void> {
  if (damagedInTheMiddle(damage)) {
    const kept = await JournalFile.keepDamaged(path);
    logger.error(`${name} was damaged in the middle; what could be read was loaded, and the file as it was is kept beside it`, {
      file: kept,
      ...damageReport(damage, tornBytes),
      ...recovered,
    });
  } else if (tornBytes > 0) {
    logger.warn(`${name} had a torn tail (a crash mid-write); it was cut off`, { bytes: tornBytes });
  }
}
