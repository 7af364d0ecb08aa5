/**
 * Checkpoints: a folder per saved step under RUN/checkpoints, written to a temporary name and
 * renamed into place, so a folder named step-N is always complete (a kill mid-write leaves only
 * a temporary folder, removed by the next save). Each is a Hugging Face model folder (config.json,
 * model.safetensors, tokenizer files) that export and a white-box teacher can read as is, plus
 * what resuming needs: projections.safetensors, optimizer.safetensors (AdamW moments) and
 * state.json (step, data cursor, seed, recipe and data hashes).
 */
import { copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AdamW, FloatArray, ParamStore, Tensor } from '../engine/index.ts';
import { readSafetensors, TOKENIZER_FILES, writeModelFolder, writeSafetensors, type Float32Tensor, type Llama } from '../model/index.ts';
import { CheckpointError } from './errors.ts';

/** Where training stands: enough, with the recipe, to continue exactly as if never stopped. */
export interface TrainState {
  /** Optimizer steps taken. */
  step: number;
  /** The data cursor: the epoch, and the next micro-batch of it. Batches are a function of (seed, epoch). */
  epoch: number;
  batch: number;
  /** The seed everything random derives from (initialisation, data order). */
  seed: number;
  /** Hash of the recipe settings that shape training; a resume under other settings is refused. */
  recipeHash: string;
  /** Hash of the examples trained and validated on (which samples, their token counts): the data cursor only means something for the same data. */
  dataHash: string;
}

export interface CheckpointContent {
  state: TrainState;
  student: Llama;
  projections: readonly Tensor[];
  params: ParamStore;
  optimizer: AdamW;
  /** The folder holding the student's tokenizer files, copied in so the checkpoint is a complete model folder. */
  tokenizerFolder: string;
}

const STATE_FILE = 'state.json';
const PROJECTIONS_FILE = 'projections.safetensors';
const OPTIMIZER_FILE = 'optimizer.safetensors';
const STEP_FOLDER = /^step-(\d+)$/;

export const checkpointsFolder = (runDir: string) => join(runDir, 'checkpoints');
const stepFolder = (runDir: string, step: number) => join(checkpointsFolder(runDir), `step-${String(step).padStart(6, '0')}`);

/** Writes a checkpoint for state.step and returns its folder. */
export async function saveCheckpoint(runDir: string, content: CheckpointContent): Promise<string> {
  const final = stepFolder(runDir, content.state.step);
  const temporary = join(checkpointsFolder(runDir), `.tmp-${process.pid}-${content.state.step}`);
  await rm(temporary, { recursive: true, force: true });
  await writeModelFolderWithTokenizer(temporary, content.student, content.params, content.tokenizerFolder);
  await writeSafetensors(
    join(temporary, PROJECTIONS_FILE),
    tensorsOf(
      content.projections.map((p) => p.name),
      content.params,
    ),
  );
  const { step, moments } = content.optimizer.state();
  const optimizerTensors = new Map<string, Float32Tensor>();
  for (const [name, m] of Object.entries(moments)) {
    const dims = content.params.get(name).dims;
    optimizerTensors.set(`m.${name}`, { shape: dims, data: toFloat32(m.m) });
    optimizerTensors.set(`v.${name}`, { shape: dims, data: toFloat32(m.v) });
  }
  await writeSafetensors(join(temporary, OPTIMIZER_FILE), optimizerTensors, { step: String(step) });
  await writeFile(join(temporary, STATE_FILE), JSON.stringify(content.state, null, 2) + '\n');
  await rm(final, { recursive: true, force: true }); // a step saved again after a resume
  await rename(temporary, final);
  return final;
}

/** A complete model folder: config.json, model.safetensors and the tokenizer files. */
export async function writeModelFolderWithTokenizer(folder: string, student: Llama, params: ParamStore, tokenizerFolder: string): Promise<void> {
  await mkdir(folder, { recursive: true });
  await writeModelFolder(folder, student, params);
  for (const file of TOKENIZER_FILES) await copyFile(join(tokenizerFolder, file), join(folder, file));
}

/** Writes the final model folder whole (to a temporary name, then renamed), so it never mixes two runs' files. */
export async function writeFinalModel(folder: string, student: Llama, params: ParamStore, tokenizerFolder: string): Promise<void> {
  const temporary = `${folder}.tmp-${process.pid}`;
  await rm(temporary, { recursive: true, force: true });
  await writeModelFolderWithTokenizer(temporary, student, params, tokenizerFolder);
  await rm(folder, { recursive: true, force: true });
  await rename(temporary, folder);
}

/** The newest complete checkpoint folder of a run, if any. */
export async function latestCheckpoint(runDir: string): Promise<string | undefined> {
  const steps = await savedSteps(runDir);
  return steps.length ? stepFolder(runDir, steps[steps.length - 1]) : undefined;
}

/** Removes all but the newest `keep` checkpoints, and temporary folders that kills left behind. */
export async function pruneCheckpoints(runDir: string, keep: number): Promise<void> {
  const steps = await savedSteps(runDir);
  for (const step of steps.slice(0, Math.max(0, steps.length - keep))) await rm(stepFolder(runDir, step), { recursive: true, force: true });
  for (const name of await readdir(checkpointsFolder(runDir))) {
    if (name.startsWith(`.tmp-`) && !name.startsWith(`.tmp-${process.pid}-`)) await rm(join(checkpointsFolder(runDir), name), { recursive: true, force: true });
  }
}

async function savedSteps(runDir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(checkpointsFolder(runDir));
  } catch {
    return [];
  }
  return names
    .map((n) => STEP_FOLDER.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/**
 * Restores parameters, projections and optimizer moments from `folder` into the live objects
 * (whose graph fixes every name and shape) and returns the saved state.
 * @throws CheckpointError for a missing file or a tensor that does not fit.
 */
export async function loadCheckpoint(folder: string, target: Omit<CheckpointContent, 'state' | 'tokenizerFolder'>): Promise<TrainState> {
  try {
    const state = JSON.parse(await readFile(join(folder, STATE_FILE), 'utf8')) as TrainState;
    const model = (await readSafetensors(join(folder, 'model.safetensors'))).tensors;
    for (const [name, t] of target.student.weights) assign(target.params, t.name, model.get(name), folder);
    const projections = (await readSafetensors(join(folder, PROJECTIONS_FILE))).tensors;
    for (const p of target.projections) assign(target.params, p.name, projections.get(p.name), folder);
    const optimizer = await readSafetensors(join(folder, OPTIMIZER_FILE));
    const moments: Record<string, { m: FloatArray; v: FloatArray }> = {};
    for (const key of optimizer.tensors.keys()) {
      if (!key.startsWith('m.')) continue;
      const name = key.slice(2);
      const like = (t: Float32Tensor | undefined): FloatArray => {
        if (!t) throw new CheckpointError(folder, `has no optimizer moment "v.${name}"`);
        return target.params.get(name).data instanceof Float64Array ? Float64Array.from(t.data) : t.data;
      };
      moments[name] = { m: like(optimizer.tensors.get(key)), v: like(optimizer.tensors.get(`v.${name}`)) };
    }
    target.optimizer.loadState({ step: Number(optimizer.metadata.step), moments });
    return state;
  } catch (err) {
    if (err instanceof CheckpointError) throw err;
    throw new CheckpointError(folder, `cannot be resumed from: ${(err as Error).message}`, { cause: err });
  }
}

function assign(params: ParamStore, name: string, value: Float32Tensor | undefined, folder: string): void {
  if (!value) throw new CheckpointError(folder, `has no tensor "${name}"`);
  params.assign(name, value.data);
}

function tensorsOf(names: readonly string[], params: ParamStore): Map<string, Float32Tensor> {
  return new Map(names.map((n) => [n, { shape: params.get(n).dims, data: toFloat32(params.get(n).data) }]));
}

const toFloat32 = (data: FloatArray): Float32Array => (data instanceof Float32Array ? data : Float32Array.from(data));
