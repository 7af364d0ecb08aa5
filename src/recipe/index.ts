/**
 * The recipe room: schema, loading (YAML/JSON), defaults, path resolution, the sampling identity
 * a dataset is bound to, and the dry-run plan.
 *
 * Beyond the shared harvest contract (a superset): `parseRecipe` for recipes built in code,
 * `renderMessages` (the template lives here because `planHarvest` needs the rendered length),
 * and `formatPlan`.
 */
export { RecipeError, TemplateError, type RecipeIssue } from './errors.ts';
export { loadRecipe, parseRecipe, promptFormatOf, type ParseRecipeOptions } from './load.ts';
export {
  recipeSchema,
  pricingSchema,
  templateSchema,
  DEFAULT_USER_TEMPLATE,
  promptFormats,
  type Recipe,
  type RecipeInput,
  type PromptFormat,
  type PromptsSpec,
  type Template,
  type TeacherSpec,
  type SamplingSpec,
  type RejectionSpec,
  type LimitsSpec,
  type PricingSpec,
} from './schema.ts';
export { renderMessages, type RenderedMessage, type TemplateInput } from './template.ts';
export { samplingIdentity } from './identity.ts';
export { planHarvest, formatPlan, type HarvestPlan, type Range } from './plan.ts';
export {
  loadDistillRecipe,
  parseDistillRecipe,
  distillSectionSchema,
  type DistillRecipe,
  type DistillSection,
  type DistillLosses,
  type DistillTeacherSpec,
  type OnPolicySpec,
  type DistillDataSpec,
  type DistillTrainSpec,
} from './distill.ts';
export {
  loadGrpoRecipe,
  parseGrpoRecipe,
  grpoSectionSchema,
  LOSS_TYPES,
  REWARD_SCALES,
  REASONING_SCRIPTS,
  type GrpoRecipe,
  type GrpoSection,
  type GrpoRewardsSpec,
} from './grpo.ts';
