/* sc_container: SC_CONTAINER_OF, the one definition (libuv's container_of): a pending batch's
 * tag, a timer or a list link is embedded in its owner, and the owner is recovered from it. */
#ifndef SC_CONTAINER_H
#define SC_CONTAINER_H

#include <stddef.h>

#define SC_CONTAINER_OF(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

#endif
