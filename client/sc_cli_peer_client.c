/* streamconform peer-client: placeholder until the driver lands (next commit). */
#include "sc_cli_client.h"
#include "sc_cli_util.h"

#include <stdio.h>

int sc_cli_peer_client_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "streamconform peer-client: not implemented yet\n");
    return SC_CLI_EXIT_LOCAL;
}
