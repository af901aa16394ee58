// Fault injection (issue 16), part 4 of 6: onResponse (the answer was written) and
// onRequestAbort (the client went away). See faults.test.js.
import { faultSuite } from './faults/suite.js'

await faultSuite('faults after the answer or when the client goes away', ['onResponse', 'onRequestAbort'])
