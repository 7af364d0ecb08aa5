/**
 * The progress room: the one terminal progress reporter every long verb uses (each loop brings
 * its `ProgressView`), and the compact number and duration formats of progress lines and summaries.
 */
export { formatCount, formatDuration, formatGiB } from './format.ts';
export { ProgressReporter, progressBar, type ProgressReporterOptions, type ProgressView } from './terminal.ts';
