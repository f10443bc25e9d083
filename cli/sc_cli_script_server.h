/* `streamconform script-server`: the engine's scripted server as a process. */
#ifndef SC_CLI_SCRIPT_SERVER_H
#define SC_CLI_SCRIPT_SERVER_H

int sc_cli_script_server_main(int argc, char **argv);

#endif
