/* libFuzzer target: the recording loader, as `streamconform replay` loads a recorded scenario
 * file (engine/sc_scenario) and hands each scripted call to the scripted server as a --scripts
 * line (sc_scenario_script_line -> server/sc_script_book). */
#include "fuzz_util.h"
#include "sc_scenario.h"
#include "sc_script_book.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (text == NULL)
        return 0;
    sc_scenario_set set = {0};
    char err[1024];
    sc_script_book book = {0};
    if (sc_scenario_set_load_text(&set, "recording.json", text, err, sizeof err) == 0) {
        for (size_t i = 0; i < set.count; i++) {
            if (!sc_scenario_is_scripted(set.items[i]))
                continue;
            char id[64];
            snprintf(id, sizeof id, "case-%zu", i);
            cJSON *line = sc_scenario_script_line(set.items[i], id);
            char *printed = line != NULL ? cJSON_PrintUnformatted(line) : NULL;
            /* what the loader accepted, the scripted server must accept too */
            if (printed != NULL &&
                sc_script_book_add_line(&book, printed, "fuzz", err, sizeof err) != 0) {
                fprintf(stderr, "a loaded script is refused by the server: %s\n", err);
                abort();
            }
            free(printed);
            cJSON_Delete(line);
        }
    }
    sc_script_book_free(&book);
    sc_scenario_set_free(&set);
    free(text);
    return 0;
}
