// Fault injection (issue 16), part 3 of 6: onSend and onError. See faults.test.js.
import { faultSuite } from './faults/suite.js'

await faultSuite('faults in the answer', ['onSend', 'onError'])
