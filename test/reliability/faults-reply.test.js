// Fault injection (issue 16), part 3 of 5: onSend, onError and onResponse. See faults.test.js.
import { faultSuite } from './faults/suite.js'

await faultSuite('faults in and after the answer', ['onSend', 'onError', 'onResponse'])
