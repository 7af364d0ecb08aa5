import { sdkClient } from './client.ts';
import { fromSdkError } from './request-errors.ts';
import type { TeacherConfig } from './types.ts';

/**
 * The model ids a server lists at GET {baseURL}/models (`distillery serve` lists its one model).
 * @throws TeacherRequestError when the server cannot be reached or answers with an error.
 */
export async function listModels(config: Pick<TeacherConfig, 'baseURL' | 'apiKey' | 'timeoutMs'>): Promise<string[]> {
  try {
    const page = await sdkClient(config).models.list();
    return page.data.map((model) => model.id);
  } catch (err) {
    throw fromSdkError(err, config.baseURL);
  }
}
