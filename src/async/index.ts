// weft/async: a typed, safe, high-level layer over node:async_hooks. Trackers record resources,
// group them into the operations a person would name, attribute time, find leaks; Context is a
// typed AsyncLocalStorage; sampleProcess reads process figures. Nothing here knows about HTTP.
export { Tracker, createTracker } from './tracker.js'
export { Context } from './context.js'
export { sampleProcess } from './process-sampler.js'
export { formatReport, formatOperations, formatProcess, formatTrace, formatMs } from './format.js'
export type { FormatOptions, TraceReport } from './format.js'
export { canSkipPromises } from './node-support.js'
export type {
  ActiveHandleGroup, AsyncEventHandlers, CpuClock, Detail, EndOptions, InitEvent, LeakedResource, LifecycleEvent,
  OpenOperation, OperationKind, OperationReport, OperationSpan, OperationSummary, ProcessSample, RepeatedStatement, ProcessSampler, ProcessSummary,
  ResourceInfo, ResourceKind, SampleProcessOptions, TrackerOptions, TrackerStats, TrackResult
} from './types.js'
