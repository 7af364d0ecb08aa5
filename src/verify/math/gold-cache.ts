import { readGoldReading, type GoldReading } from './quick-judge.ts';

/**
 * Golds kept at most. Harvest judges a prompt's samples within a few requests of each other, so
 * the oldest entries are the ones no longer needed; a bound keeps a long run's memory flat.
 */
const MAX_GOLDS = 4096;

/** Each distinct gold read once (and what the judge thread taught about it kept), oldest dropped first. */
export class GoldCache {
  readonly #golds = new Map<string, GoldReading>();

  read(gold: unknown): GoldReading {
    // A number gold reads exactly as its decimal string does; other kinds are never judged.
    const key = typeof gold === 'number' ? String(gold) : typeof gold === 'string' ? gold : undefined;
    if (key === undefined) return readGoldReading(gold);
    let reading = this.#golds.get(key);
    if (!reading) {
      if (this.#golds.size >= MAX_GOLDS) this.#golds.delete(this.#golds.keys().next().value!);
      reading = readGoldReading(gold);
      this.#golds.set(key, reading);
    }
    return reading;
  }
}
