/* sc_cli_list: `streamconform list`: every case of the selected scenarios on the selected pairs
 * (one id per line on stdout, "  [skip: reason]" after the ones `run` skips), then on stderr, for
 * each implementation, how many of its cases apply and why the others do not (a count per
 * missing feature). */
#ifndef SC_CLI_LIST_H
#define SC_CLI_LIST_H

#include "sc_cli_impls.h"
#include "sc_scenario.h"

#include <cjson/cJSON.h>

/* list --shard K/N [--timings FILE]: only the cases of slice K (the per-implementation counts
 * stay those of the whole run). */
typedef struct {
    size_t index, count;  /* K (from 1) and N */
    const cJSON *timings; /* an earlier report.json; borrowed, or NULL */
} sc_cli_list_shard;

/* `shard`: NULL for every case. 0, or 1 when out of memory with a sharded listing. */
int sc_cli_list_cases(const sc_cli_impls *x, const sc_scenario_set *set, const sc_filter *filter,
                      const sc_cli_list_shard *shard);

#endif
