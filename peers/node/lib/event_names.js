'use strict';
// The event names of the server event log (docs/peer-protocol.md, "Event log"): the same names
// as the C, Python and Go servers. Every event line of the Node peer names its event from here.
module.exports = Object.freeze({
  CALL_START: 'call_start',
  MESSAGE_RECEIVED: 'message_received',
  HALF_CLOSE: 'half_close',
  MESSAGE_SENT: 'message_sent',
  STATUS_SENT: 'status_sent',
  CANCELLED: 'cancelled',
  DEADLINE_EXCEEDED: 'deadline_exceeded',
  CALL_END: 'call_end',
});
