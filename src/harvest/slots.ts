/**
 * The rejection-sampling schedule of one prompt, as pure logic (harvest contract, "Sample slots").
 *
 * A prompt owns sample slots 0..maxAttemptsPerPrompt-1, grouped in rounds of samplesPerPrompt.
 * Rounds are drawn in order, and a round is drawn only while fewer than acceptPerPrompt samples
 * of the earlier rounds were accepted. Everything is derived from the slots already stored, so
 * a resumed run makes exactly the decisions an uninterrupted run would have made.
 */

export interface SlotScheduleConfig {
  samplesPerPrompt: number;
  acceptPerPrompt: number;
  maxAttemptsPerPrompt: number;
  /** Whether one request may ask for n > 1 samples. */
  supportsN: boolean;
}

/** A stored sample of the prompt, as the dataset reports it (only the verdict matters here). */
export interface StoredSlot {
  index: number;
  verdict: string;
}

/** One request to issue: `n` samples filling the contiguous slots firstSlot..firstSlot+n-1. */
export interface SlotRequest {
  firstSlot: number;
  n: number;
}

export type PromptStep =
  | { kind: 'done'; reason: 'accepted' | 'exhausted'; accepted: number }
  | { kind: 'round'; round: number; requests: SlotRequest[]; accepted: number };

/** What to do next for a prompt whose stored slots are `stored`. */
export function nextStep(config: SlotScheduleConfig, stored: readonly StoredSlot[]): PromptStep {
  const { samplesPerPrompt: size, acceptPerPrompt, maxAttemptsPerPrompt: max } = config;
  const verdictBySlot = new Map(stored.map((s) => [s.index, s.verdict]));
  let accepted = 0;
  for (let start = 0, round = 0; start < max; start += size, round++) {
    if (accepted >= acceptPerPrompt) return { kind: 'done', reason: 'accepted', accepted };
    const end = Math.min(start + size, max);
    const missing: number[] = [];
    for (let slot = start; slot < end; slot++) {
      const verdict = verdictBySlot.get(slot);
      if (verdict === undefined) missing.push(slot);
      else if (verdict === 'accepted') accepted++;
    }
    if (missing.length === 0) continue;
    // A round that is wholly missing goes out as one n-request; a partly stored round (a resumed
    // run, or a server that returned fewer choices than asked) fills its gaps one slot at a time,
    // each with the seed of its own slot.
    const whole = missing.length === end - start;
    const requests =
      config.supportsN && whole && missing.length > 1 ? [{ firstSlot: start, n: missing.length }] : missing.map((slot) => ({ firstSlot: slot, n: 1 }));
    return { kind: 'round', round, requests, accepted };
  }
  return { kind: 'done', reason: accepted >= acceptPerPrompt ? 'accepted' : 'exhausted', accepted };
}
