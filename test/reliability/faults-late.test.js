// Fault injection (issue 16), part 4 of 5: onResponse (the answer was written), onTimeout (the
// socket timed out) and onRequestAbort (the client went away). See faults.test.js.
import { faultSuite } from './faults/suite.js'

// the onTimeout and onRequestAbort cases mostly wait (connectionTimeout, the client's abort): more children
await faultSuite('faults after the answer or when the request is cut', ['onResponse', 'onTimeout', 'onRequestAbort'], 5)
