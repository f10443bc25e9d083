/* sc_script_book: the scripts a scripted server plays, by case id and method, loaded from JSON
 * lines {"case": "<case id>", "method": "SubscribeData", "script": {...server.script...}}
 * (docs/scenario-format.md, "server.script"), with an optional "path": "/package.Service/Method"
 * for a script played on a path outside DataService (a recorded call of another service, its
 * responses raw; `method` is nominal then). Pure logic apart from reading the given stream. */
#ifndef SC_SCRIPT_BOOK_H
#define SC_SCRIPT_BOOK_H

#include "sc_script.h"

#include <stdio.h>

/* Longest line: a recorded stream with its messages, as canonical JSON. */
#define SC_SCRIPT_BOOK_MAX_LINE (64u * 1024 * 1024)
/* Scripts in one book: one per scripted case of a run. */
#define SC_SCRIPT_BOOK_MAX_ENTRIES 100000

/* Longest "path": as the driver's own limit on client.path. */
#define SC_SCRIPT_BOOK_MAX_PATH 256

typedef struct {
    char *case_id; /* owned */
    char *path;    /* owned; NULL: the method's own path */
    sc_script script;
} sc_script_entry;

typedef struct {
    sc_script_entry *items; /* owned */
    size_t count, cap;
} sc_script_book;

/* Add one line (blank lines are ignored). `where` names it in errors ("scripts.jsonl:3"). 0, or
 * -1 with "<where>: <path>: <reason>" in err (the book is left as it was). A second script for
 * the same case and method is an error. */
int sc_script_book_add_line(sc_script_book *b, const char *line, const char *where, char *err,
                            size_t errlen);
/* Every line of `in` until EOF; `origin` names the stream in errors ("-" for stdin). */
int sc_script_book_load(sc_script_book *b, FILE *in, const char *origin, char *err, size_t errlen);
/* The script for this case and method (entries with a path left out), or NULL. */
const sc_script *sc_script_book_find(const sc_script_book *b, const char *case_id, sc_method m);
void sc_script_book_free(sc_script_book *b);

#endif
