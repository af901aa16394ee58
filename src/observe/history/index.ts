// weft/observe's history across restarts: the writer the plugin runs, the reader the API and the
// CLIs share, and the database's opening.
export { HistoryWriter } from './history-writer.js'
export { answerHistory, readRuns } from './history-reader.js'
export { openDatabase, sqliteMissing } from './open-database.js'
export type { HistoryOptions, HistoryRun, RunList } from './types.js'
