/* `streamconform replay`: placeholder. */
#include "sc_record.h"

int sc_cli_replay_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return 2;
}
