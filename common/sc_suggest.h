/* sc_suggest: "did you mean" for names a user typed: the closest of a list of known names by edit
 * distance (insertions, deletions, substitutions and swaps of neighbours, case-insensitive), when
 * it is close enough to be a typo; and the position of a JSON syntax error as a reader wants it
 * (line, column and the text there). Pure: no I/O, no allocation. */
#ifndef SC_SUGGEST_H
#define SC_SUGGEST_H

#include <stddef.h>

/* Longest name compared: field, status and method names are short; longer input is no typo. */
#define SC_SUGGEST_MAX_NAME 64

/* The known name closest to `word`, or NULL when none is within the typo distance (1 for names
 * up to 4 characters, 2 up to 8, 3 beyond) or `word` is itself known. Borrowed from `names`. */
const char *sc_suggest(const char *word, const char *const *names, size_t n);

/* ` (did you mean "NAME"?)` for sc_suggest's answer into `out`, or "" when there is none. */
void sc_suggest_hint(const char *word, const char *const *names, size_t n, char *out, size_t len);

/* "line L, column C, at 'TEXT'" for the position `at` inside `text` (a JSON parser's stop;
 * NULL or outside the text: the end), TEXT the next few characters with control characters
 * shown as spaces ("end of input" at the end). */
void sc_json_position(const char *text, const char *at, char *out, size_t len);

#endif
