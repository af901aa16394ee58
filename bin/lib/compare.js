// The comparison of two requests lives in weft/observe (src/observe/api/compare.ts), shared with the
// API's compare resource the page reads; the CLIs take it from the build.
export { compareActivities, comparisonText } from '../../dist/observe/api/compare.js'
