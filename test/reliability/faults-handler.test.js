// Fault injection (issue 16), part 2 of 6: preHandler, the handler and preSerialization. See
// faults.test.js.
import { faultSuite } from './faults/suite.js'

await faultSuite('faults around the handler', ['preHandler', 'handler', 'preSerialization'])
