/* The client's control socket commands (pqconnect-ctl). */
#ifndef PQC_CLIENT_CONTROL_H
#define PQC_CLIENT_CONTROL_H
#include "io/ctlsock.h"

void client_control(void *arg, int argc, char **argv, struct ctlbuf *out);
#endif
