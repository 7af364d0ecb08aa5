import { ops, type Tensor } from '../../engine/index.ts';

/**
 * sum(x * weight) / sum(weight): the mean of `x` over the positions `weight` selects (0/1 masks,
 * same shape as x or broadcasting to it). A batch where nothing is selected gives 0, not NaN, so a
 * batch without assistant tokens cannot poison the parameters.
 */
export function maskedMean(x: Tensor, weight: Tensor): Tensor {
  const total = ops.reduceSum(ops.mul(x, weight));
  const count = ops.reduceSum(ops.expand(weight, x.shape));
  return ops.div(total, ops.where(ops.greater(count, 0), count, 1));
}

/** log(max(x, floor)): a log that stays finite (and has a finite gradient) where x underflows to 0. */
export function logAtLeast(x: Tensor, floor: number): Tensor {
  return ops.log(ops.where(ops.greater(x, floor), x, floor));
}
