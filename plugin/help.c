/* SPDX-License-Identifier: ISC */
/* --help and --version. The text is a summary card: every option in one line, the outcomes
 * and their default states, a few examples; the man page is the reference. */
#include "config.h"
#include "options.h"

#include <stdio.h>

static const char help_text[] =
	"Can I open a TCP connection to this host and port, how long did it take, and if\n"
	"not, why not? The whole reference: man check_tcpport.\n"
	"\n"
	"Usage:\n"
	"  check_tcpport [OPTION]... HOST PORTS\n"
	"  check_tcpport -H HOST -p PORTS [-4|-6] [-w RANGE] [-c RANGE]\n"
	"                [-t SECONDS[:STATE]] [-r STATE] [--state OUTCOME=STATE[,...]]\n"
	"                [-v]... [OPTION]...\n"
	"  check_tcpport -H /path/to/socket [OPTION]...\n"
	"  check_tcpport -h | -V\n"
	"\n"
	"Options:\n"
	"  -H, --hostname=HOST        name, address, socket, HOST:PORT; repeatable\n"
	"  -p, --port=PORTS           1-65535, service name, LOW-HIGH, a list; repeatable\n"
	"  -4, --use-ipv4             IPv4 addresses only\n"
	"  -6, --use-ipv6             IPv6 addresses only\n"
	"  -w, --warning=RANGE        WARNING when the connect time (s) is outside RANGE\n"
	"  -c, --critical=RANGE       CRITICAL when the connect time (s) is outside RANGE\n"
	"  -t, --timeout=SECONDS[:STATE]\n"
	"                             deadline of the run, DNS included (default 10)\n"
	"  -r, --refuse=STATE         state of a refused connection (default critical)\n"
	"      --state=OUTCOME=STATE[,...]\n"
	"                             the state of any outcome below; the last one wins\n"
	"      --addresses=first|all  one address of a name must connect, or every one\n"
	"      --min-ok=N|P%          OK when at least N targets (P% of them) are OK\n"
	"  -n, --count=COUNT          probes per target (TCP ping): min/max, jitter, loss\n"
	"                             0: a line per probe until Ctrl-C, then a summary\n"
	"                             (-t is then each probe's timeout)\n"
	"      --timestamp            with -n 0: the local time before each probe line\n"
	"  -i, --interval=SECONDS     from the start of one probe to the next (default 1)\n"
	"      --probe-timeout=SECONDS\n"
	"                             how long one probe waits (default -t divided by -n)\n"
	"      --warning-loss=PCT     WARNING above this loss of -n probes (or a RANGE)\n"
	"      --critical-loss=PCT    CRITICAL above this loss of -n probes (or a RANGE)\n"
	"      --max-parallel=N       at most N connections in flight\n"
	"  -b, --source-address=ADDRESS\n"
	"                             connect from this local address\n"
	"  -s, --send=STRING          send STRING once connected\n"
	"  -e, --expect=STRING        the reply must contain STRING; repeatable\n"
	"      --expect-regex=ERE     the reply must match this POSIX ERE; repeatable\n"
	"  -A, --all                  every -e and --expect-regex must match, not any\n"
	"  -q, --quit=STRING          send STRING before closing (\\r\\n added unless -E)\n"
	"  -E, --escape               understand \\n \\r \\t \\\\ \\0 \\xNN in -s, -q and -e\n"
	"  -m, --maxbytes=N           stop reading after N bytes (at most 16 KiB)\n"
	"  -d, --delay=SECONDS        wait after sending before reading (not timed)\n"
	"  -M, --mismatch=STATE       state of an unexpected reply (default warning); one\n"
	"                             still coming at the deadline is a timeout\n"
	"  -j, --jail                 never show the server's reply\n"
	"      --proxy-protocol=v1|v2\n"
	"                             send a PROXY protocol header first (HAProxy, nginx)\n"
	"      --service=NAME         a preset: ftp ssh smtp http pop nntp imap ldap\n"
	"                             mysql postgres redis memcached\n"
	"                             xmpp (jabber) clamd rsync git telnet\n"
	"                             mqtt amqp beanstalkd sieve\n"
	"      --output=FORMAT        nagios (default); value, state, json, lld\n"
	"  -v, --verbose              explain each phase; -vv: the settings too\n"
	"  -h, --help                 print this help\n"
	"  -V, --version              print the version\n"
	"  -S, -D and --sni (TLS) are refused: this plugin uses libc only.\n"
	"\n"
	"STATE is ok, warning, critical or unknown (also warn, crit, unkn, 0-3).\n"
	"RANGE, in seconds: 0.5 (alert above), 0.5: (below), ~:0.5, 0.2:0.5 (outside),\n"
	"@0.2:0.5 (inside).\n"
	"\n"
	"Outcomes (OUTCOME for --state) and their default states:\n"
	"  connected    OK (or -w/-c)    refused   CRITICAL    timeout   CRITICAL\n"
	"  unreachable  CRITICAL         resolver  CRITICAL    no-data   CRITICAL\n"
	"  name-unknown CRITICAL         mismatch  WARNING     reset     CRITICAL\n"
	"  local-error  UNKNOWN (this machine could not try)\n"
	"\n"
	"Several targets get a summary line, then one line per target, and perfdata\n"
	"labels named after the target: 'time_443', 'time_[::1]:443', 'time_web1:443'.\n"
	"\n"
	"Examples:\n"
	"  check_tcpport -H db.example.com -p 5432 -w 0.2 -c 0.5\n"
	"  check_tcpport -H www.example.com -p 80,443 --addresses=all     (or -4, -6)\n"
	"  check_tcpport -H 192.0.2.10 -p 23 \\\n"
	"      --state connected=critical,refused=ok,timeout=ok      (must stay closed)\n"
	"  check_tcpport -H mail.example.com -p smtp -t 3 -vv\n"
	"  check_tcpport -H db.example.com -p 5432 -n 0 -t 1 --timestamp | tee ping.log\n"
	"\n"
	"Exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also every usage error).\n";

/* Prints the help text to stdout. */
void
options_print_help(void)
{
	printf("check_tcpport v%s\n", PACKAGE_VERSION);
	fputs(help_text, stdout);
}

/* Prints "check_tcpport vX.Y.Z". */
void
options_print_version(void)
{
	printf("check_tcpport v%s\n", PACKAGE_VERSION);
}
