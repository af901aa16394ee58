// Opens the history database with node:sqlite (Node 22.5 and later), in WAL mode, with its tables;
// on a Node without node:sqlite it says so, naming the Node version.
import { createRequire } from 'node:module'
import type { SqliteDatabase } from './types.js'

const require = createRequire(import.meta.url)

/** Why history cannot run here, or null when node:sqlite loads. */
export function sqliteMissing (): string | null {
  try {
    require('node:sqlite')
    return null
  } catch {
    return `node:sqlite, which Node ${process.version} lacks (it needs Node 22.5 or later)`
  }
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  run INTEGER PRIMARY KEY AUTOINCREMENT, pid INTEGER NOT NULL, node TEXT NOT NULL,
  started_at REAL NOT NULL, ended_at REAL, requests INTEGER NOT NULL DEFAULT 0,
  dropped INTEGER NOT NULL DEFAULT 0, routes TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS requests (
  run INTEGER NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL, method TEXT NOT NULL, route TEXT,
  status INTEGER NOT NULL, started_at REAL NOT NULL, wall_ms REAL NOT NULL, activity TEXT NOT NULL,
  PRIMARY KEY (run, seq)
);
CREATE INDEX IF NOT EXISTS requests_id ON requests (id);
`

/** Opens (and makes) the database at `path`; `readOnly` for the CLIs reading it after the process is gone. */
export function openDatabase (path: string, readOnly = false): SqliteDatabase {
  const { DatabaseSync } = require('node:sqlite') as { DatabaseSync: new (path: string, options?: object) => SqliteDatabase }
  const db = new DatabaseSync(path, readOnly ? { readOnly: true } : {})
  if (!readOnly) {
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 2000;')
    db.exec(SCHEMA)
  }
  return db
}
