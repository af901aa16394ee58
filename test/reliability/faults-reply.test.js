// Fault injection (issue 16), part 2 of 3: the hooks of the answer and after it (preSerialization,
// onSend, onError, onResponse, onTimeout, onRequestAbort). See faults.test.js.
import { faultSuite } from './faults/suite.js'

await faultSuite('faults in and after the answer', ['preSerialization', 'onSend', 'onError', 'onResponse', 'onTimeout', 'onRequestAbort'])
