/* ephspoof: forged ephemeral-key answers for tests/e2e/attacks-client.
 *
 *   ephspoof SRCIP SRCPORT DSTIP PORTLO PORTHI SECONDS
 *
 * Sends, through a raw socket (any source address), well-formed ephemeral
 * key answers (f2 00, PROTOCOL.md §6.4) carrying freshly made keys that the
 * real server never had, from SRCIP:SRCPORT to every UDP port PORTLO..PORTHI
 * of DSTIP, over and over for SECONDS seconds.  A client that took one of
 * them would make an initiation the server cannot open.  Prints
 * "ephspoof: sent N answers" at the end. */
#include <arpa/inet.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "crypto/crypto.h"
#include "proto/keymsg.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static uint8_t pkt[20 + 8 + KM_EPH_LEN], ntru_pk[NTRU_PK_LEN], ntru_sk[NTRU_SK_LEN];
	uint8_t x_pk[32], x_sk[32];
	struct in_addr src, dst;
	int on = 1, fd;
	unsigned long long sent = 0;

	if (argc != 7 || inet_pton(AF_INET, argv[1], &src) != 1 || inet_pton(AF_INET, argv[3], &dst) != 1) {
		fprintf(stderr, "usage: ephspoof SRCIP SRCPORT DSTIP PORTLO PORTHI SECONDS\n");
		return 2;
	}
	unsigned sport = (unsigned)atoi(argv[2]), lo = (unsigned)atoi(argv[4]), hi = (unsigned)atoi(argv[5]);
	double secs = atof(argv[6]);
	if (crypto_init() < 0 || ntru_keypair(ntru_pk, ntru_sk) != 0)
		return 1;
	x25519_keypair(x_pk, x_sk);
	wipe(ntru_sk, sizeof ntru_sk);
	wipe(x_sk, sizeof x_sk);
	if ((fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &on, sizeof on) < 0) {
		perror("ephspoof: raw socket");
		return 1;
	}

	struct iphdr *ip = (struct iphdr *)pkt;
	struct udphdr *udp = (struct udphdr *)(pkt + 20);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons((uint16_t)sizeof pkt);   /* the kernel fills id and checksum */
	ip->saddr = src.s_addr;
	ip->daddr = dst.s_addr;
	udp->source = htons((uint16_t)sport);
	udp->len = htons((uint16_t)(8 + KM_EPH_LEN));
	udp->check = 0;                                  /* no checksum: allowed over IPv4 */
	keymsg_eph_resp_build(pkt + 28, ntru_pk, x_pk);

	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr = dst };
	double end = now_s() + secs;
	/* the harness waits for this line instead of sleeping */
	printf("ephspoof: sending from %s:%u\n", argv[1], sport);
	fflush(stdout);
	while (now_s() < end) {
		for (unsigned p = lo; p <= hi; p++) {
			udp->dest = htons((uint16_t)p);
			if (sendto(fd, pkt, sizeof pkt, 0, (struct sockaddr *)&to, sizeof to) == (ssize_t)sizeof pkt)
				sent++;
		}
		usleep(2000);
	}
	printf("ephspoof: sent %llu answers from %s:%u\n", sent, argv[1], sport);
	close(fd);
	return 0;
}
