// Fault injection (issue 16), part 6 of 6: application hooks and a plugin (onRoute, onRegister,
// onReady, onListen, preClose, onClose, plugin): ready(), listen() and close() settle in bounded
// time with the error, and the process is unharmed. See faults.test.js.
import { faultSuite } from './faults/suite.js'

await faultSuite('faults in application hooks', ['onRoute', 'onRegister', 'onReady', 'onListen', 'preClose', 'onClose', 'plugin'])
