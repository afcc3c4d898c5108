/* The netfilter rules that send inbound DNS answers (UDP and TCP source
 * port 53, IPv4 and IPv6) to our queue, with bypass so that DNS keeps flowing when
 * nobody reads the queue (client stopped or crashed).  nftables with the
 * `queue` expression when the kernel has it, else iptables/ip6tables NFQUEUE.
 * The tools are run with fork/exec (no shell), found in /usr/sbin or /sbin. */
#ifndef PQC_RULES_H
#define PQC_RULES_H
#include <stdint.h>

enum rules_backend { RULES_NONE = 0, RULES_NFT, RULES_XT };

#define RULES_NFT_TABLE "pqconnect-filter"
#define RULES_XT_COMMENT "pqconnect-c"

/* Remove what a crashed earlier run left: our nft table and every
 * iptables/ip6tables rule carrying our comment. */
void rules_cleanup(void);
/* Install the rule for queue num.  Returns the backend used, or RULES_NONE. */
enum rules_backend rules_install(uint16_t num);
/* Remove the rule installed by rules_install. */
void rules_remove(void);
#endif
