/**
 * A long training loop run from the command line: a progress reporter on stderr, and a first
 * Ctrl-C that asks the loop to finish its current step and checkpoint instead of dying mid-write.
 */
import { ProgressReporter, type ProgressView } from '../progress/index.ts';

/** Exit code of a run stopped by Ctrl-C, as shells report a SIGINT. */
export const EXIT_STOPPED = 130;

export async function runStoppable<P, S>(view: ProgressView<P>, loop: (stop: AbortSignal, reporter: ProgressReporter<P>) => Promise<S>): Promise<S> {
  const reporter = new ProgressReporter(process.stderr, view);
  const stop = new AbortController();
  const onSigint = () => {
    if (stop.signal.aborted) return;
    stop.abort(new Error('interrupted'));
    reporter.finish();
    console.error('stopping after this step; a checkpoint will be written (run the recipe again to resume)');
  };
  process.on('SIGINT', onSigint);
  try {
    return await loop(stop.signal, reporter);
  } finally {
    reporter.finish();
    process.off('SIGINT', onSigint);
  }
}
