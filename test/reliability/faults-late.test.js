// Fault injection (issue 16), part 4 of 5: onTimeout (the socket timed out) and onRequestAbort
// (the client went away): the request is closed, the next 100 succeed. See faults.test.js.
import { faultSuite } from './faults/suite.js'

// these cases mostly wait (connectionTimeout, the client's abort): more children
await faultSuite('faults when the request is cut', ['onTimeout', 'onRequestAbort'], 5)
