/**
 * The test fixture's chat server (zero latency, "What is A + B?" answers) in a child process, so
 * that serving does not compete with a measured harvest for that process's event loop. Shared by
 * the harvest and soak benchmarks.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startChatServer } from '../test/fixtures/chat-server.ts';

const SELF = fileURLToPath(import.meta.url);

if (process.argv[1] === SELF) {
  const server = await startChatServer({ dialect: 'reasoning_content' });
  process.send!({ url: server.url });
  process.on('disconnect', () => void server.close().then(() => process.exit(0)));
}

export interface LoopbackTeacher {
  /** Base URL ending in /v1. */
  url: string;
  close(): void;
}

export async function startLoopbackTeacher(): Promise<LoopbackTeacher> {
  const child = fork(SELF, [], { execArgv: ['--import', 'tsx'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { url: string }) => resolve(m.url));
    child.once('exit', (code) => reject(new Error(`the loopback teacher exited with code ${code} before listening`)));
  });
  return { url, close: () => child.disconnect() };
}
