/* --help and --version. The text is the reference card of the plugin: every option, the
 * outcomes and their states, and examples a sysadmin can paste. */
#include "config.h"
#include "options.h"

#include <stdio.h>

static const char help_text[] =
	"Can I open a TCP connection to this host and port, how long did it take, and if\n"
	"not, why not?\n"
	"\n"
	"Usage:\n"
	"  check_tcpport -H HOST -p PORT [-4|-6] [-w RANGE] [-c RANGE] [-t SECONDS[:STATE]]\n"
	"                [-r STATE] [--state OUTCOME=STATE[,OUTCOME=STATE...]] [-v]...\n"
	"  check_tcpport -h | -V\n"
	"\n"
	"Options:\n"
	"  -H, --hostname=HOST   host name, IPv4 address or IPv6 address (::1 or [::1]);\n"
	"                        every address of a name is tried until one connects\n"
	"  -p, --port=PORT       port 1-65535, or a tcp service name from /etc/services\n"
	"  -4, --use-ipv4        use IPv4 addresses only\n"
	"  -6, --use-ipv6        use IPv6 addresses only\n"
	"  -w, --warning=RANGE   WARNING when the connect time in seconds is outside RANGE\n"
	"  -c, --critical=RANGE  CRITICAL when the connect time in seconds is outside RANGE\n"
	"  -t, --timeout=SECONDS[:STATE]\n"
	"                        the whole run, name resolution included, answers within\n"
	"                        SECONDS (fractions allowed, default 10); STATE is the state\n"
	"                        of a timeout while connecting (default critical)\n"
	"  -r, --refuse=STATE    state of a refused connection (default critical)\n"
	"      --state=OUTCOME=STATE[,OUTCOME=STATE...]\n"
	"                        choose the state of any outcome; repeatable, the last word\n"
	"                        on an outcome wins (-r and -t :STATE included)\n"
	"  -v, --verbose         after the state line, explain each phase: the addresses,\n"
	"                        each attempt with its time and error, what to check next;\n"
	"                        -vv adds the settings of the run\n"
	"  -h, --help            print this help\n"
	"  -V, --version         print the version\n"
	"\n"
	"STATE is ok, warning, critical or unknown (also warn, crit, unkn, 0-3).\n"
	"RANGE is the Monitoring Plugins threshold syntax, in seconds:\n"
	"  0.5      alert above 0.5 (check_tcp's meaning)     0.5:  alert below 0.5\n"
	"  ~:0.5    alert above 0.5, no lower bound           0.2:0.5  alert outside\n"
	"  @0.2:0.5 alert inside 0.2 to 0.5\n"
	"\n"
	"Outcomes (OUTCOME for --state) and their default states:\n"
	"  connected     OK, or WARNING/CRITICAL   N second response time on HOST port P\n"
	"                from -w/-c\n"
	"  refused       CRITICAL   connect to address A and port P: Connection refused\n"
	"  timeout       CRITICAL   Socket timeout after N seconds while connecting to ...\n"
	"  unreachable   CRITICAL   No route to host, Network is unreachable\n"
	"  name-unknown  CRITICAL   cannot resolve HOST: Name or service not known\n"
	"  resolver      CRITICAL   cannot resolve HOST: Temporary failure in name\n"
	"                           resolution; also the deadline passing while resolving\n"
	"  local-error   UNKNOWN    this machine could not try: Too many open files, ...\n"
	"\n"
	"Perfdata: time (the connect time) and, when a name was resolved, dns, in seconds:\n"
	"  time=0.000491s;WARN;CRIT;0;TIMEOUT dns=0.000120s;;;0;TIMEOUT\n"
	"\n"
	"Examples:\n"
	"  check_tcpport -H db.example.com -p 5432 -w 0.2 -c 0.5\n"
	"      is PostgreSQL's port open, and fast enough?\n"
	"  check_tcpport -H www.example.com -p https -6\n"
	"      dual stack: does the IPv6 path work on its own? (then -4 for IPv4)\n"
	"  check_tcpport -H 192.0.2.10 -p 23 --state connected=critical,refused=ok,timeout=ok\n"
	"      this port must stay closed: CRITICAL when it accepts, OK when refused or dropped\n"
	"  check_tcpport -H mail.example.com -p smtp -t 3 -vv\n"
	"      troubleshooting by hand: every phase, every address, and what to look at next\n"
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
