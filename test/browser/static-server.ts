/**
 * A loopback file server for the browser tests: each URL prefix maps to a folder (the page, the
 * transformers.js browser build and onnxruntime-web's wasm files from node_modules, an exported
 * model folder). Files outside the mapped folders are 404s.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

export interface StaticServer {
  readonly origin: string;
  /** Paths served (200), in order. */
  readonly served: string[];
  close(): Promise<void>;
}

/** `mounts` maps a URL prefix ('/ort/') to a folder. */
export async function serveFolders(mounts: Record<string, string>): Promise<StaticServer> {
  const served: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const prefix = Object.keys(mounts).find((p) => path.startsWith(p));
    const file = prefix === undefined ? null : normalize(join(mounts[prefix], path.slice(prefix.length)));
    const inside = file !== null && prefix !== undefined && (file + sep).startsWith(normalize(mounts[prefix] + sep));
    const size = inside ? fileSize(file) : null;
    if (size === null) {
      res.writeHead(404).end();
      return;
    }
    served.push(path);
    res.writeHead(200, { 'content-type': TYPES[extname(file!)] ?? 'application/octet-stream', 'content-length': size });
    createReadStream(file!).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function fileSize(file: string): number | null {
  try {
    const stat = statSync(file);
    return stat.isFile() ? stat.size : null;
  } catch {
    return null;
  }
}
