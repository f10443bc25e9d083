#include <stdio.h>
int main(void) { puts("streamconform"); return 0; }
