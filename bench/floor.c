/* SPDX-License-Identifier: ISC */
/*
 * floor - the least a TCP port check can do, the baseline of bench/run.
 *
 * Usage: floor PORT
 *
 * One socket(), one blocking connect() to 127.0.0.1:PORT, then exit: 0
 * when the handshake completed, 2 otherwise.  No output, no timeout, no
 * name resolution, no error text: everything a real plugin adds on top is
 * what the benchmark measures against this.  Built by bench/run with the
 * system cc -O2, dynamically linked like the programs it is compared with.
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
	struct sockaddr_in sa = {0};
	unsigned long port = 0;
	const char *p;
	int fd;

	if (argc != 2)
		return 3;
	for (p = argv[1]; *p >= '0' && *p <= '9' && port <= 65535; p++)
		port = port * 10 + (unsigned long)(*p - '0');
	if (*p != '\0' || port == 0 || port > 65535)
		return 3;

	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return 2;
	return connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 ? 0 : 2;
}
