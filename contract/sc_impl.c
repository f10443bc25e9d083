/* sc_impl: implementations files as plain data. See sc_impl.h. */
#include "sc_suggest.h"
#include "sc_impl.h"
#include "sc_jcheck.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where errors go while one file loads. */
typedef struct {
    const char *origin;
    const sc_impl_vars *vars;
    char *err;
    size_t errlen;
} load_ctx;

__attribute__((format(printf, 3, 4))) static int fail(load_ctx *c, const char *path,
                                                      const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (path != NULL && *path != '\0')
        snprintf(c->err, c->errlen, "%s: %s: %s", c->origin, path, msg);
    else
        snprintf(c->err, c->errlen, "%s: %s", c->origin, msg);
    return -1;
}

static int check_object(load_ctx *c, const cJSON *obj, const char *path, const sc_jspec *spec)
{
    char msg[1024];
    if (sc_jcheck_object(obj, path, spec, msg, sizeof msg) != 0)
        return fail(c, NULL, "%s", msg);
    return 0;
}

/* ---- names, addresses ---------------------------------------------------------------------- */

bool sc_impl_name_ok(const char *name, const char **why)
{
    const char *dummy;
    why = why != NULL ? why : &dummy;
    size_t n = strlen(name);
    if (n == 0 || n > SC_IMPL_MAX_NAME) {
        *why = "a name has 1 to 32 characters";
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        bool ok = islower((unsigned char)ch) || isdigit((unsigned char)ch) ||
                  (i > 0 && (ch == '_' || ch == '.' || ch == '-'));
        if (!ok) {
            *why = "a name is lower-case letters, digits and _ . - (starting with a letter or "
                   "digit): it is part of every case id";
            return false;
        }
    }
    if (strcmp(name, "script") == 0 || strcmp(name, "proxy") == 0) {
        *why = "\"script\" and \"proxy\" are the engine's own (the scripted server, the fault "
               "proxy)";
        return false;
    }
    return true;
}

/* The host part of HOST:PORT (`h`, `*hn` bytes; the brackets of [v6] are dropped). */
static bool host_ok(const char **h, size_t *hn)
{
    if ((*h)[0] == '[') { /* [v6]:port */
        if (*hn < 3 || (*h)[*hn - 1] != ']')
            return false;
        (*h)++;
        *hn -= 2;
    } else if (memchr(*h, ':', *hn) != NULL) {
        return false; /* a bare IPv6 address: write it [::1]:port */
    }
    for (size_t i = 0; i < *hn; i++)
        if (isspace((unsigned char)(*h)[i]) || (*h)[i] == '/' || (*h)[i] == '[' || (*h)[i] == ']')
            return false;
    return true;
}

/* A port 1..65535 in plain decimal, or -1. */
static long port_of(const char *d)
{
    long p = 0;
    if (*d == '\0' || strlen(d) > 5)
        return -1;
    for (; *d != '\0'; d++) {
        if (!isdigit((unsigned char)*d))
            return -1;
        p = p * 10 + (*d - '0');
    }
    return p >= 1 && p <= 65535 ? p : -1;
}

bool sc_impl_address_ok(const char *address, char *host, size_t hostlen, int *port)
{
    const char *colon = strrchr(address, ':');
    if (colon == NULL || colon == address || strlen(address) > SC_IMPL_MAX_STRING)
        return false;
    const char *h = address;
    size_t hn = (size_t)(colon - address);
    long p = port_of(colon + 1);
    if (!host_ok(&h, &hn) || p < 0)
        return false;
    if (host != NULL && hostlen > 0)
        snprintf(host, hostlen, "%.*s", (int)hn, h);
    if (port != NULL)
        *port = (int)p;
    return true;
}

/* ---- variables ----------------------------------------------------------------------------- */

static const char *var_value(const sc_impl_vars *v, const char *name, size_t n)
{
    static const char *const names[] = {"build", "here", "self", "core_version"};
    const char *values[] = {v->build, v->here, v->self, v->core_version};
    for (size_t i = 0; i < 4; i++)
        if (strlen(names[i]) == n && strncmp(names[i], name, n) == 0)
            return values[i] != NULL ? values[i] : "";
    return NULL;
}

/* `text` with every ${name} replaced (a malloc'd string), or NULL with the error set. */
static char *expand(load_ctx *c, const char *text, const char *path)
{
    char out[SC_IMPL_MAX_STRING + 1];
    size_t used = 0;
    for (const char *p = text; *p != '\0';) {
        const char *val = NULL;
        size_t skip = 1;
        if (p[0] == '$' && p[1] == '{') {
            const char *end = strchr(p + 2, '}');
            val = end != NULL ? var_value(c->vars, p + 2, (size_t)(end - p - 2)) : NULL;
            if (val == NULL) {
                fail(c, path,
                     "unknown variable in \"%.200s\" (known: ${build}, ${here}, ${self}, "
                     "${core_version})",
                     text);
                return NULL;
            }
            skip = (size_t)(end - p + 1);
        }
        size_t n = val != NULL ? strlen(val) : 1;
        if (used + n > SC_IMPL_MAX_STRING) {
            fail(c, path, "longer than %d bytes", SC_IMPL_MAX_STRING);
            return NULL;
        }
        memcpy(out + used, val != NULL ? val : p, n);
        used += n;
        p += skip;
    }
    out[used] = '\0';
    char *copy = strdup(out);
    if (copy == NULL)
        fail(c, path, "out of memory");
    return copy;
}

/* ---- one side ------------------------------------------------------------------------------ */

static void free_list(char **list)
{
    for (size_t i = 0; list != NULL && list[i] != NULL; i++)
        free(list[i]);
    free(list);
}

static void side_free(sc_impl_side *s)
{
    free_list(s->argv);
    free_list(s->env);
    free(s->address);
    memset(s, 0, sizeof *s);
}

static int parse_command(load_ctx *c, sc_impl_side *side, const cJSON *cmd, const char *path)
{
    char p[SC_JCHECK_MAX_PATH];
    sc_jpath_key(p, sizeof p, path, "command");
    size_t n = (size_t)cJSON_GetArraySize(cmd);
    if (n == 0 || n > SC_IMPL_MAX_ARGV)
        return fail(c, p, "expected 1 to %d arguments (the program first)", SC_IMPL_MAX_ARGV);
    side->argv = calloc(n + 1, sizeof *side->argv);
    if (side->argv == NULL)
        return fail(c, p, "out of memory");
    const cJSON *a = NULL;
    cJSON_ArrayForEach(a, cmd)
    {
        char ip[SC_JCHECK_MAX_PATH];
        sc_jpath_index(ip, sizeof ip, p, side->argc);
        if (!cJSON_IsString(a) || (side->argc == 0 && a->valuestring[0] == '\0'))
            return fail(c, ip,
                        side->argc == 0 ? "expected the program (a non-empty string)"
                                        : "expected a string");
        if ((side->argv[side->argc] = expand(c, a->valuestring, ip)) == NULL)
            return -1;
        side->argc++;
    }
    return 0;
}

static int parse_env(load_ctx *c, sc_impl_side *side, const cJSON *env, const char *path)
{
    char p[SC_JCHECK_MAX_PATH];
    sc_jpath_key(p, sizeof p, path, "env");
    size_t n = env != NULL ? (size_t)cJSON_GetArraySize(env) : 0;
    if (n > SC_IMPL_MAX_ENV)
        return fail(c, p, "more than %d variables", SC_IMPL_MAX_ENV);
    side->env = calloc(n + 1, sizeof *side->env);
    if (side->env == NULL)
        return fail(c, p, "out of memory");
    static const sc_jspec map = {.open = true};
    if (env != NULL && check_object(c, env, p, &map) != 0)
        return -1;
    const cJSON *v = NULL;
    cJSON_ArrayForEach(v, env)
    {
        char kp[SC_JCHECK_MAX_PATH];
        sc_jpath_key(kp, sizeof kp, p, v->string);
        if (v->string[0] == '\0' || strchr(v->string, '=') != NULL)
            return fail(c, kp, "a variable name is non-empty and has no '='");
        if (!cJSON_IsString(v))
            return fail(c, kp, "expected a string");
        char *val = expand(c, v->valuestring, kp);
        if (val == NULL)
            return -1;
        size_t len = strlen(v->string) + strlen(val) + 2;
        char *kv = malloc(len);
        if (kv != NULL)
            snprintf(kv, len, "%s=%s", v->string, val);
        free(val);
        if (kv == NULL)
            return fail(c, kp, "out of memory");
        side->env[side->n_env++] = kv;
    }
    return 0;
}

static int parse_features(load_ctx *c, sc_impl_side *side, sc_role role, const cJSON *list,
                          const char *path)
{
    char p[SC_JCHECK_MAX_PATH];
    sc_jpath_key(p, sizeof p, path, "features");
    size_t i = 0;
    const cJSON *f = NULL;
    cJSON_ArrayForEach(f, list)
    {
        char ip[SC_JCHECK_MAX_PATH];
        sc_jpath_index(ip, sizeof ip, p, i++);
        int feat = cJSON_IsString(f) ? sc_feature_by_name(role, f->valuestring) : -1;
        if (feat < 0) {
            char known[512];
            sc_feature_known(role, known, sizeof known);
            return fail(c, ip, "unknown %s feature \"%.64s\" (known: %s)", sc_role_name(role),
                        cJSON_IsString(f) ? f->valuestring : "(not a string)", known);
        }
        if (side->features & SC_FEAT_BIT(feat))
            return fail(c, ip, "\"%s\" is given twice", f->valuestring);
        side->features |= SC_FEAT_BIT(feat);
    }
    return 0;
}

/* A server by address: no process, so nothing can come from its stdout or its environment. */
static int check_address_side(load_ctx *c, sc_impl_side *side, const cJSON *obj, const char *path)
{
    char p[SC_JCHECK_MAX_PATH];
    sc_jpath_key(p, sizeof p, path, "address");
    if (!sc_impl_address_ok(side->address, NULL, 0, NULL))
        return fail(c, p, "expected HOST:PORT (port 1-65535; IPv6 as [::1]:PORT), got \"%.200s\"",
                    side->address);
    if (sc_jget(obj, "env") != NULL)
        return fail(c, path,
                    "\"env\" needs a \"command\": the engine does not start a server "
                    "given by address");
    if (side->features & SC_FEAT_BIT(SC_FEAT_EVENTS))
        return fail(c, path,
                    "feature \"events\" needs a \"command\": the event log is read from "
                    "the server's stdout");
    return 0;
}

static int parse_side(load_ctx *c, sc_impl_side *side, sc_role role, const cJSON *obj,
                      const char *path)
{
    static const sc_jfield server_fields[] = {
        {.key = "command", .types = SC_JT_ARRAY},
        {.key = "address", .types = SC_JT_STRING},
        {.key = "env", .types = SC_JT_OBJECT},
        {.key = "features", .types = SC_JT_ARRAY},
        {.key = "ready_ms",
         .types = SC_JT_INT,
         .ranged = true,
         .min = 1,
         .max = SC_IMPL_MAX_READY_MS},
    };
    static const sc_jfield client_fields[] = {
        {.key = "command", .types = SC_JT_ARRAY, .required = true},
        {.key = "env", .types = SC_JT_OBJECT},
        {.key = "features", .types = SC_JT_ARRAY},
    };
    static const sc_jfield app_fields[] = {
        {.key = "command", .types = SC_JT_ARRAY, .required = true},
        {.key = "env", .types = SC_JT_OBJECT},
    };
    sc_jspec spec = role == SC_ROLE_SERVER   ? SC_JSPEC(server_fields)
                    : role == SC_ROLE_CLIENT ? SC_JSPEC(client_fields)
                                             : SC_JSPEC(app_fields);
    spec.unknown_why =
        role == SC_ROLE_SERVER   ? "unknown field (a server has command or address, env, features)"
        : role == SC_ROLE_CLIENT ? "unknown field (a client has command, env, features)"
                                 : "unknown field (an app has command, env)";
    if (check_object(c, obj, path, &spec) != 0)
        return -1;
    side->given = true;
    const cJSON *cmd = sc_jget(obj, "command");
    const char *addr = sc_jget_string(obj, "address");
    if ((cmd == NULL) == (addr == NULL))
        return fail(c, path, "give either \"command\" or \"address\"");
    if (parse_features(c, side, role, sc_jget(obj, "features"), path) != 0)
        return -1;
    if (addr != NULL) {
        if ((side->address = strdup(addr)) == NULL)
            return fail(c, path, "out of memory");
        return check_address_side(c, side, obj, path);
    }
    side->ready_ms = (long)sc_jget_int(obj, "ready_ms", 0);
    if (parse_command(c, side, cmd, path) != 0)
        return -1;
    return parse_env(c, side, sc_jget(obj, "env"), path);
}

/* ---- entries ------------------------------------------------------------------------------- */

static void decl_free(sc_impl_decl *d)
{
    free(d->name);
    free(d->description);
    free(d->origin);
    side_free(&d->server);
    side_free(&d->client);
    side_free(&d->app);
    memset(d, 0, sizeof *d);
}

static int parse_entry(load_ctx *c, sc_impl_decl *d, const cJSON *obj, const char *path)
{
    static const sc_jfield fields[] = {
        {.key = "name", .types = SC_JT_STRING, .required = true},
        {.key = "description", .types = SC_JT_STRING},
        {.key = "server", .types = SC_JT_OBJECT},
        {.key = "client", .types = SC_JT_OBJECT},
        {.key = "app", .types = SC_JT_OBJECT},
    };
    sc_jspec spec = SC_JSPEC(fields);
    if (check_object(c, obj, path, &spec) != 0)
        return -1;
    char p[SC_JCHECK_MAX_PATH];
    const char *name = sc_jget_string(obj, "name");
    const char *why = NULL;
    sc_jpath_key(p, sizeof p, path, "name");
    if (!sc_impl_name_ok(name, &why))
        return fail(c, p, "\"%.64s\": %s", name, why);
    const cJSON *srv = sc_jget(obj, "server"), *cli = sc_jget(obj, "client");
    const cJSON *app = sc_jget(obj, "app");
    if (srv == NULL && cli == NULL && app == NULL)
        return fail(c, path, "needs \"server\", \"client\" or both, or \"app\" (its role)");
    if (app != NULL && (srv != NULL || cli != NULL))
        return fail(c, path, "an \"app\" entry has no \"server\" or \"client\" side");
    const char *desc = sc_jget_string(obj, "description");
    sc_jpath_key(p, sizeof p, path, "description");
    d->name = strdup(name);
    d->origin = strdup(c->origin);
    d->description = expand(c, desc != NULL ? desc : "", p);
    if (d->name == NULL || d->origin == NULL || d->description == NULL)
        return d->description == NULL ? -1 : fail(c, path, "out of memory");
    sc_jpath_key(p, sizeof p, path, "server");
    if (srv != NULL && parse_side(c, &d->server, SC_ROLE_SERVER, srv, p) != 0)
        return -1;
    sc_jpath_key(p, sizeof p, path, "client");
    if (cli != NULL && parse_side(c, &d->client, SC_ROLE_CLIENT, cli, p) != 0)
        return -1;
    sc_jpath_key(p, sizeof p, path, "app");
    if (app != NULL && parse_side(c, &d->app, SC_ROLE_APP, app, p) != 0)
        return -1;
    return 0;
}

/* Put `d` into the book (taking it): it replaces an entry of the same name. */
static int book_put(sc_impl_book *book, sc_impl_decl *d, load_ctx *c)
{
    for (size_t i = 0; i < book->count; i++) {
        if (strcmp(book->items[i].name, d->name) == 0) {
            decl_free(&book->items[i]);
            book->items[i] = *d;
            return 0;
        }
    }
    if (book->count == SC_IMPL_MAX_ENTRIES)
        return fail(c, NULL, "more than %d implementations in all", SC_IMPL_MAX_ENTRIES);
    sc_impl_decl *items = realloc(book->items, (book->count + 1) * sizeof *items);
    if (items == NULL)
        return fail(c, NULL, "out of memory");
    book->items = items;
    book->items[book->count++] = *d;
    return 0;
}

/* Parse every entry into `tmp` (names unique within the file). */
static int parse_entries(load_ctx *c, const cJSON *list, sc_impl_decl *tmp, size_t *n)
{
    const cJSON *e = NULL;
    cJSON_ArrayForEach(e, list)
    {
        char p[SC_JCHECK_MAX_PATH];
        sc_jpath_index(p, sizeof p, "implementations", *n);
        if (parse_entry(c, &tmp[*n], e, p) != 0) {
            decl_free(&tmp[*n]);
            return -1;
        }
        (*n)++;
        for (size_t j = 0; j + 1 < *n; j++)
            if (strcmp(tmp[j].name, tmp[*n - 1].name) == 0)
                return fail(c, p, "the name \"%s\" is given twice (also implementations[%zu])",
                            tmp[j].name, j);
    }
    return 0;
}

static int load_tree(load_ctx *c, sc_impl_book *book, const cJSON *root)
{
    static const sc_jfield fields[] = {
        {.key = "implementations", .types = SC_JT_ARRAY, .required = true},
        {.key = "$comment", .types = SC_JT_STRING | SC_JT_ARRAY},
        {.key = "$schema", .types = SC_JT_STRING},
    };
    sc_jspec spec = SC_JSPEC(fields);
    spec.not_object = "expected an object {\"implementations\": [...]}";
    if (check_object(c, root, "", &spec) != 0)
        return -1;
    const cJSON *list = sc_jget(root, "implementations");
    size_t total = (size_t)cJSON_GetArraySize(list);
    if (total > SC_IMPL_MAX_ENTRIES)
        return fail(c, "implementations", "more than %d entries", SC_IMPL_MAX_ENTRIES);
    sc_impl_decl *tmp = calloc(total ? total : 1, sizeof *tmp);
    if (tmp == NULL)
        return fail(c, NULL, "out of memory");
    size_t n = 0;
    int rc = parse_entries(c, list, tmp, &n);
    size_t put = 0;
    for (; rc == 0 && put < n; put++)
        rc = book_put(book, &tmp[put], c);
    for (size_t i = put; i < n; i++)
        decl_free(&tmp[i]);
    free(tmp);
    return rc;
}

int sc_impl_book_load_text(sc_impl_book *book, const char *origin, const char *text,
                           const sc_impl_vars *vars, char *err, size_t errlen)
{
    sc_impl_vars none = {0};
    load_ctx c = {
        .origin = origin, .vars = vars != NULL ? vars : &none, .err = err, .errlen = errlen};
    const char *where = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &where, true);
    if (root == NULL) {
        char at[128];
        sc_json_position(text, where, at, sizeof at);
        return fail(&c, NULL, "invalid JSON at %s", at);
    }
    int rc = load_tree(&c, book, root);
    cJSON_Delete(root);
    return rc;
}

int sc_impl_book_load(sc_impl_book *book, const char *path, const sc_impl_vars *vars, char *err,
                      size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    char *text = malloc(SC_IMPL_MAX_FILE_BYTES + 1);
    size_t n = text != NULL ? fread(text, 1, SC_IMPL_MAX_FILE_BYTES + 1, f) : 0;
    fclose(f);
    int rc = -1;
    if (text == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
    } else if (n > SC_IMPL_MAX_FILE_BYTES) {
        snprintf(err, errlen, "%s: larger than %d bytes", path, SC_IMPL_MAX_FILE_BYTES);
    } else {
        text[n] = '\0';
        /* ${here}: the file's folder, so that a file can name programs beside it */
        char here[SC_IMPL_MAX_STRING];
        const char *slash = strrchr(path, '/');
        if (slash == NULL)
            snprintf(here, sizeof here, ".");
        else
            snprintf(here, sizeof here, "%.*s", (int)(slash == path ? 1 : slash - path), path);
        sc_impl_vars v = vars != NULL ? *vars : (sc_impl_vars){0};
        v.here = here;
        rc = sc_impl_book_load_text(book, path, text, &v, err, errlen);
    }
    free(text);
    return rc;
}

/* ---- shorthands ---------------------------------------------------------------------------- */

/* A new entry named `name` of one role (not yet in the book), described by `description`. */
static sc_impl_decl *new_entry(sc_impl_book *book, const char *name, const char *origin,
                               const char *description, load_ctx *c)
{
    const char *why = NULL;
    if (!sc_impl_name_ok(name, &why)) {
        fail(c, NULL, "\"%.64s\": %s", name, why);
        return NULL;
    }
    if (sc_impl_book_find(book, name) != NULL) {
        fail(c, NULL, "\"%s\" is already an implementation (%s); choose another name", name,
             sc_impl_book_find(book, name)->origin);
        return NULL;
    }
    sc_impl_decl d = {
        .name = strdup(name), .origin = strdup(origin), .description = strdup(description)};
    if (d.name == NULL || d.origin == NULL || d.description == NULL || book_put(book, &d, c)) {
        decl_free(&d);
        fail(c, NULL, "out of memory");
        return NULL;
    }
    return &book->items[book->count - 1];
}

int sc_impl_book_add_address(sc_impl_book *book, const char *name, const char *address,
                             const char *origin, char *err, size_t errlen)
{
    load_ctx c = {.origin = origin, .err = err, .errlen = errlen};
    if (!sc_impl_address_ok(address, NULL, 0, NULL))
        return fail(&c, NULL,
                    "%s: expected HOST:PORT (port 1-65535; IPv6 as [::1]:PORT), got \"%.200s\"",
                    name, address);
    char desc[SC_IMPL_MAX_STRING + 64];
    snprintf(desc, sizeof desc, "server at %s", address);
    sc_impl_decl *d = new_entry(book, name, origin, desc, &c);
    if (d == NULL)
        return -1;
    d->server.given = true;
    d->server.address = strdup(address);
    d->server.env = calloc(1, sizeof *d->server.env);
    return d->server.address != NULL && d->server.env != NULL ? 0 : fail(&c, NULL, "out of memory");
}

int sc_impl_book_add_command(sc_impl_book *book, sc_role role, const char *name,
                             const char *cmdline, const char *origin, const sc_impl_vars *vars,
                             char *err, size_t errlen)
{
    sc_impl_vars none = {0};
    load_ctx c = {.origin = origin, .vars = vars ? vars : &none, .err = err, .errlen = errlen};
    if (errlen > 0)
        err[0] = '\0';
    cJSON *argv = cJSON_CreateArray();
    char *copy = strdup(cmdline);
    char *save = NULL;
    for (char *t = copy ? strtok_r(copy, " ", &save) : NULL; t != NULL && argv != NULL;
         t = strtok_r(NULL, " ", &save))
        cJSON_AddItemToArray(argv, cJSON_CreateString(t));
    free(copy);
    char desc[SC_IMPL_MAX_STRING + 64];
    snprintf(desc, sizeof desc, "%s command: %.4000s", sc_role_name(role), cmdline);
    sc_impl_decl *d = argv != NULL && cJSON_GetArraySize(argv) > 0
                          ? new_entry(book, name, origin, desc, &c)
                          : NULL;
    if (d == NULL && errlen > 0 && err[0] == '\0')
        fail(&c, NULL, "%s: an empty command", name);
    int rc = -1;
    if (d != NULL) {
        sc_impl_side *side = (sc_impl_side *)sc_impl_decl_side(d, role);
        side->given = true;
        rc = parse_command(&c, side, argv, name) != 0 ? -1 : parse_env(&c, side, NULL, name);
    }
    cJSON_Delete(argv);
    return rc;
}

/* ---- queries ------------------------------------------------------------------------------- */

const sc_impl_decl *sc_impl_book_find(const sc_impl_book *book, const char *name)
{
    for (size_t i = 0; name != NULL && i < book->count; i++)
        if (strcmp(book->items[i].name, name) == 0)
            return &book->items[i];
    return NULL;
}

const sc_impl_side *sc_impl_decl_side(const sc_impl_decl *d, sc_role role)
{
    return role == SC_ROLE_SERVER ? &d->server : role == SC_ROLE_CLIENT ? &d->client : &d->app;
}

void sc_impl_book_names(const sc_impl_book *book, sc_role role, char *out, size_t len)
{
    size_t used = 0;
    if (len == 0)
        return;
    out[0] = '\0';
    for (size_t i = 0; i < book->count && used < len; i++) {
        if (!sc_impl_decl_side(&book->items[i], role)->given)
            continue;
        int n = snprintf(out + used, len - used, "%s%s", used ? ", " : "", book->items[i].name);
        used += n > 0 ? (size_t)n : 0;
    }
    if (used == 0)
        snprintf(out, len, "none");
}

void sc_impl_book_free(sc_impl_book *book)
{
    for (size_t i = 0; i < book->count; i++)
        decl_free(&book->items[i]);
    free(book->items);
    book->items = NULL;
    book->count = 0;
}
