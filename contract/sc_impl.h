/* sc_impl: implementations files (docs/implementations.md, schema docs/implementations.schema.json)
 * as plain data. An implementations file lists the implementations a run can pair: each has a
 * name, a description for the reports, and a "server" and/or a "client" side (its role is which
 * of the two it has), or an "app" side: a client application the engine starts per app case. A server side is a command (it prints the ready line of
 * docs/peer-protocol.md) or an address (a server someone else runs); a client side is a driver
 * command. Each side declares its features (contract/sc_feature). Loading checks every object
 * with common/sc_jcheck; every error names the file and the JSON path:
 *   my.json: implementations[1].server.features[0]: unknown server feature "contorl" (known: ...)
 * Variables ${build}, ${here}, ${self} and ${core_version} are expanded in commands, env values
 * and descriptions (sc_impl_vars). A book is the union of several files: an entry of a later file
 * replaces the entry of the same name. No gRPC include, no process; reads files only.
 *
 * Ownership: a book owns every string and array it holds (sc_impl_book_free). */
#ifndef SC_IMPL_H
#define SC_IMPL_H

#include "sc_feature.h"

#include <stdbool.h>
#include <stddef.h>

/* An implementations file is written by hand: a few entries. */
#define SC_IMPL_MAX_FILE_BYTES (1024 * 1024)
/* Entries in one book (all files and shorthands together): each is a column of the report, and a
 * run starts a process per server and per client. */
#define SC_IMPL_MAX_ENTRIES 64
/* A name is a report column and part of every case id ("scenario@client->server"). */
#define SC_IMPL_MAX_NAME 32
/* Arguments of one command, and env entries of one side: a command line, not a script. */
#define SC_IMPL_MAX_ARGV 64
#define SC_IMPL_MAX_ENV 64
/* Longest a server may be given to print its ready line ("ready_ms"): 10 minutes is far beyond
 * any start-up; the engine's default is the runner's (30 s). */
#define SC_IMPL_MAX_READY_MS 600000
/* Any string (an argument after expansion, an env value, an address, a description): PATH_MAX. */
#define SC_IMPL_MAX_STRING 4096

typedef struct {
    bool given;  /* the entry has this role */
    char **argv; /* NULL-terminated, expanded; NULL for a server given by address */
    size_t argc;
    char **env; /* NULL-terminated "KEY=VALUE" list (never NULL when given) */
    size_t n_env;
    char *address;            /* "HOST:PORT" of a running server, or NULL */
    sc_feature_mask features; /* what it declares */
    long ready_ms;            /* a server command's ready-line bound; 0: the engine's default */
} sc_impl_side;

typedef struct {
    char *name;
    char *description; /* "" when none was given */
    char *origin;      /* the file (or option) that declared it */
    sc_impl_side server, client;
    sc_impl_side app; /* a client application to check (docs/app-check.md): command and env */
} sc_impl_decl;

typedef struct {
    sc_impl_decl *items; /* owned */
    size_t count;
} sc_impl_book;

/* Values of the variables; NULL leaves a variable undefined (using it is then an error). `here`
 * is set by sc_impl_book_load to the folder of the file being read. */
typedef struct {
    const char *build;        /* the build folder (the streamconform binary's ../) */
    const char *here;         /* the folder of the implementations file */
    const char *self;         /* the streamconform binary */
    const char *core_version; /* the gRPC C core version of the binary */
} sc_impl_vars;

/* Load one implementations file into `book` (entries replace those of the same name). 0, or -1
 * with "FILE: JSON.PATH: message" in err (a file with an error adds nothing, except when the book
 * runs out of room or memory part way). */
int sc_impl_book_load(sc_impl_book *book, const char *path, const sc_impl_vars *vars, char *err,
                      size_t errlen);
/* The same from text; `origin` names it in errors. */
int sc_impl_book_load_text(sc_impl_book *book, const char *origin, const char *text,
                           const sc_impl_vars *vars, char *err, size_t errlen);

/* Shorthands (`--servers NAME=HOST:PORT`, `--servers|--clients NAME=cmd:COMMAND ARGS`): a new
 * entry of one role with no features. `cmdline` is split on spaces (no quoting) and expanded.
 * -1 with a message for a bad name, address or command, or a name already in the book. */
int sc_impl_book_add_address(sc_impl_book *book, const char *name, const char *address,
                             const char *origin, char *err, size_t errlen);
int sc_impl_book_add_command(sc_impl_book *book, sc_role role, const char *name,
                             const char *cmdline, const char *origin, const sc_impl_vars *vars,
                             char *err, size_t errlen);

/* The entry named `name`, or NULL. */
const sc_impl_decl *sc_impl_book_find(const sc_impl_book *book, const char *name);
/* The side of `role` of an entry (given or not). */
const sc_impl_side *sc_impl_decl_side(const sc_impl_decl *d, sc_role role);
/* The names of the book's entries that have `role`, comma-separated ("c, python, go"), or
 * "none". */
void sc_impl_book_names(const sc_impl_book *book, sc_role role, char *out, size_t len);

void sc_impl_book_free(sc_impl_book *book);

/* Is `name` a valid implementation name ([a-z0-9][a-z0-9_.-]*, at most SC_IMPL_MAX_NAME, not one
 * of the engine's own: "script", "proxy")? When not, *why says why. */
bool sc_impl_name_ok(const char *name, const char **why);
/* Is `address` HOST:PORT (host a name, an IPv4 address or [IPv6]; port 1..65535)? Splits it when
 * host/port are not NULL (host cut to hostlen). */
bool sc_impl_address_ok(const char *address, char *host, size_t hostlen, int *port);

#endif
