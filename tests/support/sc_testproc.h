/* sc_testproc: the tests' names for common/sc_proc (start a peer, read its ready line, stop and
 * reap it), plus where the binary under test is. */
#ifndef SC_TESTPROC_H
#define SC_TESTPROC_H

#include "sc_proc.h"

typedef sc_proc sc_testproc;
#define sc_testproc_start sc_proc_start
#define sc_testproc_read_line sc_proc_read_line
#define sc_testproc_stop sc_proc_stop
#define sc_testproc_cleanup sc_proc_cleanup

/* The path of the streamconform binary under test: $SC_STREAMCONFORM, else the build's. */
const char *sc_testproc_binary(void);

#endif
