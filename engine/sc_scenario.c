/* sc_scenario: loading scenario files (docs/scenario-format.md): files and directories, sets, one
 * scenario (name, tags, applies_to, companions). Its sections are checked in
 * sc_scenario_sections.c and sc_scenario_expect.c, with the checks of sc_scenario_check.c; what
 * the runner asks a loaded scenario is in sc_scenario_access.c; the judge and the filters live in
 * their own files. */
#include "sc_scenario_internal.h"
#include "sc_scenario_app.h"
#include "sc_fault.h"
#include "sc_base64.h"
#include "sc_instr.h"
#include "sc_jcheck.h"
#include "sc_json.h"
#include "sc_script.h"
#include "sc_status.h"
#include "sc_suggest.h"
#include "sc_transport.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- name, tags, applies_to ---- */

static int check_name(sc_load_ctx *c, const cJSON *v)
{
    if (v == NULL)
        return sc_load_fail(c, "name", "missing");
    if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
        return sc_load_fail(c, "name", "expected a non-empty string");
    const char *n = v->valuestring;
    if (strlen(n) > SC_SCENARIO_MAX_NAME)
        return sc_load_fail(c, "name", "longer than %d bytes", SC_SCENARIO_MAX_NAME);
    bool seg_start = true;
    for (const char *p = n; *p; p++) {
        if (*p == '/') {
            if (seg_start)
                return sc_load_fail(c, "name", "\"%s\": empty segment", n);
            seg_start = true;
            continue;
        }
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
              *p == '-'))
            return sc_load_fail(c, "name",
                                "\"%s\": segments use only [a-z0-9._-], separated by '/'", n);
        seg_start = false;
    }
    if (seg_start)
        return sc_load_fail(c, "name", "\"%s\": empty segment", n);
    return 0;
}

static int parse_tags(sc_load_ctx *c, sc_scenario *s, const cJSON *tags)
{
    if (tags == NULL)
        return 0;
    if (!cJSON_IsArray(tags))
        return sc_load_fail(c, "tags", "expected an array of strings");
    size_t n = (size_t)cJSON_GetArraySize(tags);
    if (n > SC_SCENARIO_MAX_TAGS)
        return sc_load_fail(c, "tags", "more than %d tags", SC_SCENARIO_MAX_TAGS);
    s->tags = calloc(n ? n : 1, sizeof *s->tags);
    if (s->tags == NULL)
        return sc_load_oom(c, "tags");
    const cJSON *t = NULL;
    cJSON_ArrayForEach(t, tags)
    {
        char p[64];
        sc_load_index(p, sizeof p, "tags", s->n_tags);
        if (!cJSON_IsString(t) || t->valuestring[0] == '\0')
            return sc_load_fail(c, p, "expected a non-empty string");
        if (strlen(t->valuestring) > SC_SCENARIO_MAX_TAG)
            return sc_load_fail(c, p, "longer than %d bytes", SC_SCENARIO_MAX_TAG);
        for (const char *k = t->valuestring; *k; k++)
            if (*k == ',' || *k == ' ' || *k == '@')
                return sc_load_fail(c, p, "a tag cannot contain ',', ' ' or '@'");
        s->tags[s->n_tags] = strdup(t->valuestring);
        if (s->tags[s->n_tags++] == NULL)
            return sc_load_oom(c, p);
    }
    return 0;
}

static int parse_impl_list(sc_load_ctx *c, const cJSON *a, const char *path, cJSON **out)
{
    if (a == NULL)
        return 0;
    if (!cJSON_IsArray(a))
        return sc_load_fail(c, path, "expected an array of implementation names such as \"c\"");
    if (cJSON_GetArraySize(a) > SC_SCENARIO_MAX_LIST)
        return sc_load_fail(c, path, "more than %d entries", SC_SCENARIO_MAX_LIST);
    size_t i = 0;
    const cJSON *v = NULL;
    cJSON_ArrayForEach(v, a)
    {
        char p[512];
        sc_load_index(p, sizeof p, path, i++);
        if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
            return sc_load_fail(c, p, "expected a non-empty string");
    }
    *out = cJSON_Duplicate(a, true);
    return *out != NULL ? 0 : sc_load_oom(c, path);
}

static int parse_applies(sc_load_ctx *c, sc_scenario *s, const cJSON *a)
{
    static const sc_jfield names[] = {{.key = "clients"}, {.key = "servers"}, {.key = "reason"}};
    if (a == NULL)
        return 0;
    if (sc_load_object(c, a, "applies_to", SC_JSPEC(names)) != 0 ||
        parse_impl_list(c, cJSON_GetObjectItemCaseSensitive(a, "clients"), "applies_to.clients",
                        &s->applies_clients) != 0 ||
        parse_impl_list(c, cJSON_GetObjectItemCaseSensitive(a, "servers"), "applies_to.servers",
                        &s->applies_servers) != 0)
        return -1;
    const char *reason = NULL;
    if (sc_load_str(c, a, "reason", "applies_to", SC_SCENARIO_MAX_STRING, &reason) != 0)
        return -1;
    if (reason != NULL && (s->applies_reason = strdup(reason)) == NULL)
        return sc_load_oom(c, "applies_to.reason");
    return 0;
}

static void scenario_free(sc_scenario *s)
{
    if (s == NULL)
        return;
    cJSON_Delete(s->faults);
    sc_scenario_server_options_free(s);
    sc_scenario_app_free(s->app);
    free(s->name);
    free(s->summary);
    free(s->origin);
    for (size_t i = 0; i < s->n_tags; i++)
        free(s->tags[i]);
    free(s->tags);
    cJSON_Delete(s->client);
    cJSON_Delete(s->control);
    cJSON_Delete(s->script);
    cJSON_Delete(s->expect);
    sc_expect_free(&s->ex);
    cJSON_Delete(s->applies_clients);
    cJSON_Delete(s->applies_servers);
    free(s->applies_reason);
    for (size_t i = 0; i < s->n_companions; i++)
        scenario_free(s->companions[i]);
    free(s->companions);
    free(s);
}

/* Prefix the path part of an error: "o: p: m" -> "o: <prefix>.p: m". */
static void prefix_error_path(sc_load_ctx *c, const char *prefix)
{
    size_t olen = strlen(c->origin);
    if (strncmp(c->err, c->origin, olen) != 0 || strncmp(c->err + olen, ": ", 2) != 0)
        return;
    char rest[1024];
    snprintf(rest, sizeof rest, "%s", c->err + olen + 2);
    /* A path is followed by ": "; whole-file messages have none before their text. */
    const char *colon = strstr(rest, ": ");
    const char *space = strchr(rest, ' ');
    if (colon == NULL || (space != NULL && space < colon))
        snprintf(c->err, c->errlen, "%s: %s: %s", c->origin, prefix, rest);
    else
        snprintf(c->err, c->errlen, "%s: %s.%s", c->origin, prefix, rest);
}

static sc_scenario *parse_scenario(sc_load_ctx *c, const cJSON *obj);

/* One companion as a scenario of its own: the parent's name, method and server section, the
 * companion's client and expect. */
static sc_scenario *parse_companion(sc_load_ctx *c, const sc_scenario *parent,
                                    const cJSON *parent_obj, const cJSON *item, const char *path)
{
    static const sc_jfield names[] = {{.key = "client"}, {.key = "expect"}};
    if (!cJSON_IsObject(item)) {
        sc_load_fail(c, path, "expected a companion object (client, expect)");
        return NULL;
    }
    if (sc_load_object(c, item, path, SC_JSPEC(names)) != 0)
        return NULL;
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(item, "expect");
    if (cJSON_GetObjectItemCaseSensitive(ex, "server") != NULL) {
        char p[96];
        snprintf(p, sizeof p, "%s.expect.server", path);
        sc_load_fail(c, p, "not for a companion (only the main call's server events are judged)");
        return NULL;
    }
    cJSON *synth = cJSON_CreateObject();
    const cJSON *parts[] = {cJSON_GetObjectItemCaseSensitive(item, "client"),
                            cJSON_GetObjectItemCaseSensitive(parent_obj, "server"), ex};
    const char *keys[] = {"client", "server", "expect"};
    bool ok = synth != NULL && cJSON_AddStringToObject(synth, "name", parent->name) != NULL &&
              cJSON_AddStringToObject(synth, "method", sc_method_name(parent->method)) != NULL;
    for (size_t i = 0; ok && i < 3; i++) {
        if (parts[i] == NULL)
            continue;
        cJSON *copy = cJSON_Duplicate(parts[i], true);
        ok = copy != NULL && cJSON_AddItemToObject(synth, keys[i], copy);
        if (!ok)
            cJSON_Delete(copy);
    }
    if (!ok) {
        cJSON_Delete(synth);
        sc_load_oom(c, path);
        return NULL;
    }
    size_t budget = c->expanded; /* the parent's "$repeat" budget goes on */
    sc_scenario *k = parse_scenario(c, synth);
    c->expanded += budget;
    cJSON_Delete(synth);
    if (k == NULL)
        prefix_error_path(c, path);
    return k;
}

static int parse_companions(sc_load_ctx *c, sc_scenario *s, const cJSON *obj, const cJSON *list)
{
    if (list == NULL)
        return 0;
    int n = cJSON_IsArray(list) ? cJSON_GetArraySize(list) : 0;
    if (n < 1 || n > SC_SCENARIO_MAX_COMPANIONS)
        return sc_load_fail(c, "companions", "expected an array of 1 to %d companion objects",
                            SC_SCENARIO_MAX_COMPANIONS);
    if (s->script != NULL)
        return sc_load_fail(c, "companions",
                            "not with server.script (a script plays one call per case)");
    s->companions = calloc((size_t)n, sizeof *s->companions);
    if (s->companions == NULL)
        return sc_load_oom(c, "companions");
    const cJSON *item = NULL;
    cJSON_ArrayForEach(item, list)
    {
        char path[48];
        sc_load_index(path, sizeof path, "companions", s->n_companions);
        sc_scenario *k = parse_companion(c, s, obj, item, path);
        if (k == NULL)
            return -1;
        s->companions[s->n_companions++] = k;
    }
    return 0;
}

/* An app scenario (docs/app-check.md): name, summary, tags, exclusive, app and expect; the
 * application is the client and the engine's own server the server. */
static int parse_app_scenario(sc_load_ctx *c, sc_scenario *s, const cJSON *obj)
{
    static const char *const not_here[] = {"method", "client",     "server",        "companions",
                                           "faults", "applies_to", "server_options"};
    for (size_t i = 0; i < sizeof not_here / sizeof not_here[0]; i++)
        if (cJSON_GetObjectItemCaseSensitive(obj, not_here[i]) != NULL)
            return sc_load_fail(c, not_here[i],
                                "not in an app scenario (the application is the client; the "
                                "app section says what the server does)");
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(obj, "expect");
    s->method = SC_METHOD_UNKNOWN;
    if (sc_load_bool(c, obj, "exclusive", "", &s->exclusive, NULL) != 0 ||
        parse_tags(c, s, cJSON_GetObjectItemCaseSensitive(obj, "tags")) != 0 ||
        sc_scenario_parse_app(c, s, cJSON_GetObjectItemCaseSensitive(obj, "app"), ex) != 0)
        return -1;
    s->expect = cJSON_Duplicate(ex, true);
    s->timeout_ms = s->app->run_ms;
    return s->expect != NULL ? 0 : sc_load_oom(c, "expect");
}

/* Name, summary and origin, which every scenario has. 0 or -1. */
static int parse_head(sc_load_ctx *c, sc_scenario *s, const cJSON *obj)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(obj, "name");
    const char *summary = NULL;
    if (check_name(c, name) != 0 ||
        sc_load_str(c, obj, "summary", "", SC_SCENARIO_MAX_STRING, &summary) != 0)
        return -1;
    s->name = strdup(name->valuestring);
    s->summary = strdup(summary != NULL ? summary : "");
    s->origin = strdup(c->origin);
    if (s->name == NULL || s->summary == NULL || s->origin == NULL)
        return sc_load_oom(c, NULL);
    return 0;
}

/* A client x server scenario after its head: method, then the sections. 0 or -1. */
static int parse_call_scenario(sc_load_ctx *c, sc_scenario *s, const cJSON *obj)
{
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(obj, "method");
    if (method == NULL)
        return sc_load_fail(c, "method", "missing");
    if (!cJSON_IsString(method) || !sc_method_parse(method->valuestring, &s->method)) {
        static const char *const names[] = {"GetData", "SubscribeData", "UploadFile", "Chat"};
        char hint[SC_SUGGEST_MAX_NAME + 32] = "";
        if (cJSON_IsString(method))
            sc_suggest_hint(method->valuestring, names, 4, hint, sizeof hint);
        return sc_load_fail(c, "method",
                            "expected GetData, SubscribeData, UploadFile or Chat (or the path)%s",
                            hint);
    }
    if (sc_load_bool(c, obj, "exclusive", "", &s->exclusive, NULL) != 0 ||
        parse_tags(c, s, cJSON_GetObjectItemCaseSensitive(obj, "tags")) != 0 ||
        parse_applies(c, s, cJSON_GetObjectItemCaseSensitive(obj, "applies_to")) != 0 ||
        sc_scenario_parse_server(c, s, cJSON_GetObjectItemCaseSensitive(obj, "server")) != 0 ||
        sc_scenario_parse_server_options(
            c, s, cJSON_GetObjectItemCaseSensitive(obj, "server_options")) != 0 ||
        sc_scenario_parse_client(c, s, cJSON_GetObjectItemCaseSensitive(obj, "client")) != 0 ||
        sc_scenario_parse_faults(c, s, cJSON_GetObjectItemCaseSensitive(obj, "faults"), "faults") !=
            0 ||
        sc_scenario_parse_expect(c, s, cJSON_GetObjectItemCaseSensitive(obj, "expect")) != 0 ||
        parse_companions(c, s, obj, cJSON_GetObjectItemCaseSensitive(obj, "companions")) != 0)
        return -1;
    char msg[512];
    if (sc_transport_scenario_mask(cJSON_GetObjectItemCaseSensitive(obj, "transports"), s->tls_spec,
                                   "transports", &s->transports, msg, sizeof msg) != 0)
        return sc_load_fail(c, NULL, "%s", msg);
    return 0;
}

static sc_scenario *parse_scenario(sc_load_ctx *c, const cJSON *obj)
{
    static const sc_jfield names[] = {{.key = "name"},
                                      {.key = "summary"},
                                      {.key = "tags"},
                                      {.key = "method"},
                                      {.key = "applies_to"},
                                      {.key = "client"},
                                      {.key = "server"},
                                      {.key = "expect"},
                                      {.key = "companions"},
                                      {.key = "faults"},
                                      {.key = "exclusive"},
                                      {.key = "app"},
                                      {.key = "transports"},
                                      {.key = "server_options"},
                                      {.key = "$schema", .types = SC_JT_STRING}};
    if (sc_load_object(c, obj, "", SC_JSPEC(names)) != 0)
        return NULL;
    sc_scenario *s = calloc(1, sizeof *s);
    if (s == NULL) {
        sc_load_oom(c, NULL);
        return NULL;
    }
    c->expanded = 0;
    bool app = cJSON_GetObjectItemCaseSensitive(obj, "app") != NULL;
    if (parse_head(c, s, obj) != 0 ||
        (app ? parse_app_scenario(c, s, obj) : parse_call_scenario(c, s, obj)) != 0) {
        scenario_free(s);
        return NULL;
    }
    return s;
}

/* ---- sets ---- */

static int set_push(sc_scenario_set *set, sc_scenario *s)
{
    sc_scenario **items = realloc(set->items, (set->count + 1) * sizeof *items);
    if (items == NULL)
        return -1;
    set->items = items;
    set->items[set->count++] = s;
    return 0;
}

static void prefix_error(sc_load_ctx *c, size_t i)
{
    char list[48];
    snprintf(list, sizeof list, "scenarios[%zu]", i);
    prefix_error_path(c, list);
}

static int load_tree(sc_scenario_set *out, sc_load_ctx *c, const cJSON *root)
{
    if (sc_load_tree(c, root, 0) != 0)
        return -1;
    const cJSON *list =
        cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "scenarios") : NULL;
    if (list == NULL) {
        if (!cJSON_IsObject(root))
            return sc_load_fail(c, NULL, "expected a scenario object or {\"scenarios\": [...]}");
        sc_scenario *s = parse_scenario(c, root);
        if (s == NULL)
            return -1;
        if (set_push(out, s) != 0) {
            scenario_free(s);
            return sc_load_oom(c, NULL);
        }
        return 0;
    }
    /* "$schema": editors find docs/scenario.schema.json through it */
    static const sc_jfield names[] = {{.key = "scenarios"},
                                      {.key = "$schema", .types = SC_JT_STRING}};
    if (sc_load_object(c, root, "", SC_JSPEC(names)) != 0)
        return -1;
    if (!cJSON_IsArray(list))
        return sc_load_fail(c, "scenarios", "expected an array of scenario objects");
    if (cJSON_GetArraySize(list) > SC_SCENARIO_MAX_PER_FILE)
        return sc_load_fail(c, "scenarios", "more than %d scenarios in one file",
                            SC_SCENARIO_MAX_PER_FILE);
    size_t i = 0;
    const cJSON *item = NULL;
    cJSON_ArrayForEach(item, list)
    {
        if (!cJSON_IsObject(item)) {
            char p[64];
            sc_load_index(p, sizeof p, "scenarios", i);
            return sc_load_fail(c, p, "expected a scenario object");
        }
        sc_scenario *s = parse_scenario(c, item);
        if (s == NULL) {
            prefix_error(c, i);
            return -1;
        }
        if (set_push(out, s) != 0) {
            scenario_free(s);
            return sc_load_oom(c, NULL);
        }
        i++;
    }
    return 0;
}

static void set_clear(sc_scenario_set *set)
{
    for (size_t i = 0; i < set->count; i++)
        scenario_free(set->items[i]);
    free(set->items);
    set->items = NULL;
    set->count = 0;
}

/* Move `add` into `set` after checking names are unique across both. */
static int merge(sc_scenario_set *set, sc_scenario_set *add, char *err, size_t errlen)
{
    for (size_t i = 0; i < add->count; i++) {
        const sc_scenario *a = add->items[i];
        for (size_t j = 0; j < set->count + i; j++) {
            const sc_scenario *b = j < set->count ? set->items[j] : add->items[j - set->count];
            if (strcmp(a->name, b->name) == 0) {
                snprintf(err, errlen, "%s: duplicate scenario name \"%s\" (also in %s)", a->origin,
                         a->name, b->origin);
                set_clear(add);
                return -1;
            }
        }
    }
    sc_scenario **items = realloc(set->items, (set->count + add->count + 1) * sizeof *items);
    if (items == NULL) {
        snprintf(err, errlen, "out of memory");
        set_clear(add);
        return -1;
    }
    set->items = items;
    if (add->count > 0) /* an empty file ({"scenarios": []}) has no array to copy */
        memcpy(set->items + set->count, add->items, add->count * sizeof *items);
    set->count += add->count;
    free(add->items);
    add->items = NULL;
    add->count = 0;
    return 0;
}

int sc_scenario_set_load_text(sc_scenario_set *set, const char *origin, const char *text, char *err,
                              size_t errlen)
{
    sc_load_ctx c = {origin != NULL ? origin : "(text)", err, errlen, 0};
    if (text == NULL)
        return sc_load_fail(&c, NULL, "no text");
    if (strlen(text) > SC_SCENARIO_MAX_FILE_BYTES)
        return sc_load_fail(&c, NULL, "larger than %d bytes", SC_SCENARIO_MAX_FILE_BYTES);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, true);
    if (root == NULL) {
        char where[128];
        sc_json_position(text, end, where, sizeof where);
        return sc_load_fail(&c, NULL, "invalid JSON at %s", where);
    }
    sc_scenario_set tmp = {0};
    int rc = load_tree(&tmp, &c, root);
    cJSON_Delete(root);
    if (rc != 0) {
        set_clear(&tmp);
        return -1;
    }
    return merge(set, &tmp, err, errlen);
}

static int load_file(sc_scenario_set *set, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(SC_SCENARIO_MAX_FILE_BYTES + 2);
    if (buf == NULL) {
        fclose(f);
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    size_t n = fread(buf, 1, SC_SCENARIO_MAX_FILE_BYTES + 1, f);
    bool bad = ferror(f) != 0;
    fclose(f);
    int rc = -1;
    if (bad)
        snprintf(err, errlen, "%s: read error", path);
    else if (n > SC_SCENARIO_MAX_FILE_BYTES)
        snprintf(err, errlen, "%s: larger than %d bytes", path, SC_SCENARIO_MAX_FILE_BYTES);
    else if (memchr(buf, '\0', n) != NULL)
        snprintf(err, errlen, "%s: contains a NUL byte (not a JSON text file)", path);
    else {
        buf[n] = '\0';
        rc = sc_scenario_set_load_text(set, path, buf, err, errlen);
    }
    free(buf);
    return rc;
}

typedef struct {
    char **paths;
    size_t count;
} path_list;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_with_json(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && strcmp(name + n - 5, ".json") == 0;
}

static int collect(const char *dir, path_list *pl, int depth, char *err, size_t errlen)
{
    if (depth > SC_SCENARIO_MAX_DEPTH) {
        snprintf(err, errlen, "%s: directories nested deeper than %d", dir, SC_SCENARIO_MAX_DEPTH);
        return -1;
    }
    DIR *d = opendir(dir);
    if (d == NULL) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *p = malloc(len);
        if (p == NULL) {
            snprintf(err, errlen, "%s: out of memory", dir);
            rc = -1;
            break;
        }
        snprintf(p, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", e->d_name);
        struct stat st;
        if (stat(p, &st) != 0) {
            free(p);
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            rc = collect(p, pl, depth + 1, err, errlen);
            free(p);
            continue;
        }
        if (!S_ISREG(st.st_mode) || !ends_with_json(e->d_name)) {
            free(p);
            continue;
        }
        if (pl->count >= SC_SCENARIO_MAX_DIR_FILES) {
            snprintf(err, errlen, "%s: more than %d scenario files", dir,
                     SC_SCENARIO_MAX_DIR_FILES);
            free(p);
            rc = -1;
            break;
        }
        char **paths = realloc(pl->paths, (pl->count + 1) * sizeof *paths);
        if (paths == NULL) {
            snprintf(err, errlen, "%s: out of memory", dir);
            free(p);
            rc = -1;
            break;
        }
        pl->paths = paths;
        pl->paths[pl->count++] = p;
    }
    closedir(d);
    return rc;
}

int sc_scenario_set_load(sc_scenario_set *set, const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (path == NULL || stat(path, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path != NULL ? path : "(null)", strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
        /* a FIFO or a device would block the read or never end */
        snprintf(err, errlen, "%s: not a regular file or a directory", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return load_file(set, path, err, errlen);
    path_list pl = {0};
    int rc = collect(path, &pl, 0, err, errlen);
    if (rc == 0 && pl.count > 1) /* an empty directory has no array to sort */
        qsort(pl.paths, pl.count, sizeof *pl.paths, cmp_str);
    for (size_t i = 0; i < pl.count; i++) {
        if (rc == 0)
            rc = load_file(set, pl.paths[i], err, errlen);
        free(pl.paths[i]);
    }
    free(pl.paths);
    return rc;
}

void sc_scenario_set_free(sc_scenario_set *set)
{
    if (set != NULL)
        set_clear(set);
}
