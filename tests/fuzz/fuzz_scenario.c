/* libFuzzer target: the scenario loader (engine/sc_scenario*: sections, expect, app scenarios)
 * on one file's text, then what the runner asks of each scenario it accepted. */
#include "fuzz_util.h"
#include "sc_scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (text == NULL)
        return 0;
    sc_scenario_set set = {0};
    char err[1024];
    if (sc_scenario_set_load_text(&set, "fuzz.json", text, err, sizeof err) == 0) {
        for (size_t i = 0; i < set.count; i++) {
            const sc_scenario *s = set.items[i];
            cJSON *in = sc_scenario_instruction(s, "fuzz@c->c", "127.0.0.1:1");
            cJSON *ex = sc_scenario_expected_json(s);
            cJSON_Delete(in);
            cJSON_Delete(ex);
        }
    }
    sc_scenario_set_free(&set);
    free(text);
    return 0;
}
