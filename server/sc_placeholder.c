/* temporary */
int sc_server_placeholder(void);
int sc_server_placeholder(void) { return 0; }
