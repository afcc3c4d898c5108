/* --dns-proxy ADDR[:PORT]: the DNS decision as a small forwarding resolver,
 * for systems without a netfilter queue. */
#ifndef PQC_CLIENT_DNSPROXY_H
#define PQC_CLIENT_DNSPROXY_H

int dnsproxy_start(const char *spec);
void dnsproxy_stop(void);
#endif
