/* libFuzzer target: the control-metadata parser (server/sc_control) on a metadata list made of
 * the input's lines ("key=value", a line without '=' a key with an empty value). */
#include "fuzz_util.h"
#include "sc_control.h"

/* Entries taken from one input: more than the control keys there are, fewer than the list's cap. */
#define FUZZ_MAX_ENTRIES 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (text == NULL)
        return 0;
    sc_md_list md = {0};
    char *save = NULL;
    size_t n = 0;
    for (char *line = strtok_r(text, "\n", &save); line != NULL && n < FUZZ_MAX_ENTRIES;
         line = strtok_r(NULL, "\n", &save), n++) {
        char *eq = strchr(line, '=');
        const char *value = "";
        if (eq != NULL) {
            *eq = '\0';
            value = eq + 1;
        }
        sc_md_list_add(&md, line, value, strlen(value));
    }
    sc_control ctl;
    char err[512];
    sc_control_parse(&ctl, &md, err, sizeof err);
    sc_control_free(&ctl);
    sc_md_list_free(&md);
    free(text);
    return 0;
}
