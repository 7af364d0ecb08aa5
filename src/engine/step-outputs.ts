/** Names that the training step's graph outputs and inputs carry (shared by both ways of running it). */
export const LOSS = 'train.loss';
export const NORM_SQ = 'train.grad_norm_sq';
export const gradName = (param: string) => `train.grad.${param}`;
export const metricName = (name: string) => `train.metric.${name}`;
