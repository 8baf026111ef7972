#!/usr/bin/env node
/**
 * `npm start`: build if a source is newer than the build, then run the built server in
 * this same process, so a start pays for one Node boot, not one per step.
 */
import { buildIfStale } from './build-if-stale.mjs';

const status = buildIfStale();
if (status !== 0) process.exit(status);
await import('../dist/server/main.js');
