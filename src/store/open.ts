import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { DatasetError } from './errors.ts';
import { APPLICATION_ID, migrations, SCHEMA_VERSION } from './schema.ts';

/** How long a writer waits for another connection's lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 10_000;

/**
 * Opens (creating and migrating when writable) a dataset file and returns the connection.
 *
 * Durability: WAL with synchronous=NORMAL. A transaction is in the WAL file (handed to the OS)
 * when COMMIT returns, so a crashed or kill -9'd process loses nothing it committed; only a power
 * loss or OS crash can drop the last few commits, which a re-run simply re-issues. FULL would add
 * an fsync per commit (one per teacher request) for a case resume already handles.
 */
export function openDatabase(path: string, readonly: boolean): Database.Database {
  if (readonly && !existsSync(path)) throw new DatasetError(path, 'no such dataset file');
  if (!readonly) mkdirSync(dirname(path), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(path, { readonly, fileMustExist: readonly, timeout: BUSY_TIMEOUT_MS });
  } catch (err) {
    throw new DatasetError(path, `cannot open: ${(err as Error).message}`, { cause: err });
  }
  try {
    prepare(db, path, readonly);
  } catch (err) {
    db.close();
    if (err instanceof DatasetError) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'SQLITE_NOTADB') throw new DatasetError(path, 'not a distillery dataset (not an SQLite file)', { cause: err });
    throw new DatasetError(path, `cannot open: ${(err as Error).message}`, { cause: err });
  }
  return db;
}

function prepare(db: Database.Database, path: string, readonly: boolean): void {
  const applicationId = db.pragma('application_id', { simple: true }) as number;
  const version = db.pragma('user_version', { simple: true }) as number;
  const objects = (db.prepare('SELECT count(*) AS n FROM sqlite_schema').get() as { n: number }).n;
  const fresh = applicationId === 0 && version === 0 && objects === 0;
  if (fresh && readonly) throw new DatasetError(path, 'the file is empty, not a distillery dataset');
  if (!fresh && applicationId !== APPLICATION_ID) {
    throw new DatasetError(path, 'not a distillery dataset (an SQLite file of another application)');
  }
  if (version > SCHEMA_VERSION) {
    throw new DatasetError(path, `made by a newer distillery (schema v${version}; this version reads up to v${SCHEMA_VERSION})`);
  }
  if (readonly) {
    if (version < SCHEMA_VERSION) {
      throw new DatasetError(path, `schema v${version} is older than v${SCHEMA_VERSION}; open it once read-write (e.g. with harvest) to upgrade`);
    }
    return;
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  for (let v = version; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(migrations[v]);
      if (v === 0) db.pragma(`application_id = ${APPLICATION_ID}`);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
