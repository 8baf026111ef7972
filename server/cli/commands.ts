import { exportCommand } from './export.js';
import { importCommand } from './import.js';
import type { Command } from './io.js';
import { sendmail } from './sendmail.js';

/** The subcommands of `letterbox` besides running the server. */
export const COMMANDS: Readonly<Record<string, Command>> = {
  sendmail,
  import: importCommand,
  export: exportCommand,
};
