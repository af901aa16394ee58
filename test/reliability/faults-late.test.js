// Fault injection (issue 16), part 5 of 6: onTimeout (the socket timed out after
// connectionTimeout): the request is closed, the next 100 succeed. See faults.test.js.
import { faultSuite } from './faults/suite.js'

// these cases mostly wait (connectionTimeout): more children
await faultSuite('faults when the socket times out', ['onTimeout'], 5)
