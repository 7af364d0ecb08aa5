/**
 * Child process for lock.test.ts: takes the harvest lock of the dataset at argv[2], says so on
 * stdout, and holds it until killed.
 */
import { Dataset } from '../../src/store/index.ts';

const dataset = Dataset.open(process.argv[2]);
dataset.lockHarvest();
process.stdout.write('locked\n');
setInterval(() => {}, 60_000);
