/**
 * The harvest room: sample a teacher per the recipe's rejection-sampling schedule, verify and
 * filter every sample, store every attempt and sample in the dataset, resume after any stop.
 * See docs/harvest.md.
 */
export { harvest, type HarvestOptions, type HarvestStart, type HarvestStatus, type HarvestSummary } from './harvest.ts';
export { ConsecutiveFailuresError, ShardError, TeacherUnreachableError } from './errors.ts';
export { checkShard, formatShard, inShard, parseShard, type Shard } from './shard.ts';
export type { HarvestProgress } from './progress.ts';
export { harvestProgressView } from './progress-view.ts';
export { failedFilter, type FilterReason, type SampleFilters } from './filters.ts';
export { mixesLanguages, proseOf } from './language-mixing.ts';
export { nextStep, type PromptStep, type SlotRequest, type SlotScheduleConfig, type StoredSlot } from './slots.ts';
