/* sc_cli_list: `streamconform list`: every case of the selected scenarios on the selected pairs
 * (one id per line on stdout, "  [skip: reason]" after the ones `run` skips), then on stderr, for
 * each implementation, how many of its cases apply and why the others do not (a count per
 * missing feature). */
#ifndef SC_CLI_LIST_H
#define SC_CLI_LIST_H

#include "sc_cli_impls.h"
#include "sc_scenario.h"

/* 0 (the listing cannot fail once the implementations are resolved). */
int sc_cli_list_cases(const sc_cli_impls *x, const sc_scenario_set *set, const sc_filter *filter);

#endif
