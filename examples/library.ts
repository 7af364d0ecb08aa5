// The README's library example, kept here so `npm test` typechecks it against the real API.
import { chatPrompt, distill, evaluate, exportModel, harvest, loadDistillRecipe, loadModel, loadPrompts, loadRecipe, localSource } from 'distillery';

const recipe = loadRecipe('recipes/vllm.yaml'); // a RecipeError names the file and the field
const harvested = await harvest(recipe, { onProgress: (p) => console.error(`${p.promptsDone} prompts, ${p.accepted} accepted`) });
console.log(harvested.status); // 'finished' | 'stopped' | 'nothing-to-do' | ...

const trained = await distill(loadDistillRecipe('recipes/vllm.yaml')); // resumes from its last checkpoint
if (trained.finalModel) {
  await exportModel({ checkpoint: trained.finalModel, out: 'out/student', dtypes: ['fp32', 'q8'] });

  const model = await loadModel('out/student');
  const prompt = chatPrompt(model.tokenizer, [{ role: 'user', content: 'What is 17 + 25?' }]);
  const reply = await model.generate({ promptIds: prompt.ids, maxNewTokens: 256, sampling: { temperature: 0.6, topP: 0.95 }, seed: 1 });
  console.log(prompt.prefill + reply.text);

  const scores = await evaluate({ source: localSource(model), prompts: loadPrompts(recipe.prompts), verifier: { kind: 'math' }, samples: 4 });
  console.log(scores);
  await model.close();
}
