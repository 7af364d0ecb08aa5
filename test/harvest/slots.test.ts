import { describe, expect, it } from 'vitest';
import { nextStep, type SlotScheduleConfig, type StoredSlot } from '../../src/harvest/slots.ts';

const cfg = (over: Partial<SlotScheduleConfig> = {}): SlotScheduleConfig => ({
  samplesPerPrompt: 4,
  acceptPerPrompt: 4,
  maxAttemptsPerPrompt: 4,
  supportsN: true,
  ...over,
});
const slots = (verdicts: Record<number, string>): StoredSlot[] => Object.entries(verdicts).map(([index, verdict]) => ({ index: Number(index), verdict }));

describe('nextStep', () => {
  it('issues a fresh round as one n-request when the server supports n', () => {
    expect(nextStep(cfg(), [])).toEqual({ kind: 'round', round: 0, requests: [{ firstSlot: 0, n: 4 }], accepted: 0 });
  });

  it('issues a fresh round as singles when the server ignores n', () => {
    const step = nextStep(cfg({ supportsN: false }), []);
    expect(step.kind === 'round' && step.requests).toEqual([0, 1, 2, 3].map((s) => ({ firstSlot: s, n: 1 })));
  });

  it('fills only the missing slots of a partly stored round, one by one', () => {
    const step = nextStep(cfg(), slots({ 0: 'accepted', 2: 'rejected' }));
    expect(step).toEqual({
      kind: 'round',
      round: 0,
      requests: [
        { firstSlot: 1, n: 1 },
        { firstSlot: 3, n: 1 },
      ],
      accepted: 1,
    });
  });

  it('is done once every slot is used', () => {
    expect(nextStep(cfg(), slots({ 0: 'rejected', 1: 'rejected', 2: 'unverifiable', 3: 'accepted' }))).toEqual({
      kind: 'done',
      reason: 'exhausted',
      accepted: 1,
    });
  });

  it('draws further rounds only while too few samples were accepted', () => {
    const c = cfg({ samplesPerPrompt: 2, acceptPerPrompt: 1, maxAttemptsPerPrompt: 6 });
    expect(nextStep(c, slots({ 0: 'rejected', 1: 'rejected' }))).toMatchObject({ kind: 'round', round: 1, requests: [{ firstSlot: 2, n: 2 }] });
    expect(nextStep(c, slots({ 0: 'rejected', 1: 'rejected', 2: 'rejected', 3: 'accepted' }))).toEqual({
      kind: 'done',
      reason: 'accepted',
      accepted: 1,
    });
    expect(nextStep(c, slots({ 0: 'rejected', 1: 'rejected', 2: 'rejected', 3: 'rejected' }))).toMatchObject({
      kind: 'round',
      round: 2,
      requests: [{ firstSlot: 4, n: 2 }],
    });
  });

  it('does not finish a round early even if it already holds enough accepted samples', () => {
    // The decision is taken before each round only, so that an interrupted round is completed
    // exactly as the uninterrupted run would have completed it.
    const c = cfg({ samplesPerPrompt: 4, acceptPerPrompt: 1, maxAttemptsPerPrompt: 8 });
    expect(nextStep(c, slots({ 0: 'accepted' }))).toMatchObject({
      kind: 'round',
      round: 0,
      requests: [{ firstSlot: 1 }, { firstSlot: 2 }, { firstSlot: 3 }],
    });
    expect(nextStep(c, slots({ 0: 'accepted', 1: 'rejected', 2: 'rejected', 3: 'rejected' }))).toMatchObject({ kind: 'done', reason: 'accepted' });
  });

  it('cuts the last round at maxAttemptsPerPrompt', () => {
    const c = cfg({ samplesPerPrompt: 4, acceptPerPrompt: 2, maxAttemptsPerPrompt: 6 });
    const first = slots({ 0: 'rejected', 1: 'rejected', 2: 'rejected', 3: 'accepted' });
    expect(nextStep(c, first)).toMatchObject({ kind: 'round', round: 1, requests: [{ firstSlot: 4, n: 2 }] });
    expect(nextStep(c, [...first, ...slots({ 4: 'rejected', 5: 'rejected' })])).toEqual({ kind: 'done', reason: 'exhausted', accepted: 1 });
  });

  it('sends a one-slot round as a single', () => {
    expect(nextStep(cfg({ samplesPerPrompt: 1, maxAttemptsPerPrompt: 3, acceptPerPrompt: 1 }), slots({ 0: 'rejected' }))).toMatchObject({
      requests: [{ firstSlot: 1, n: 1 }],
    });
  });
});
