# SPDX-License-Identifier: ISC
# free_port.bash - a free TCP port for a daemon that must be told its port up front,
# shared by helpers/services.bash and helpers/consumers.bash. Source it.

# port_busy PORT: return 0 when some TCP socket (any state, IPv4 or IPv6) uses PORT as
# its local port.
port_busy() {
	local hex f line
	printf -v hex ':%04X ' "$1"
	for f in /proc/net/tcp /proc/net/tcp6; do
		[[ -r $f ]] || continue
		while IFS= read -r line; do
			line=${line#*: }
			line=${line%% *}
			[[ "${line##*:}" == "${hex:1:4}" ]] && return 0
		done <"$f"
	done
	return 1
}

# free_port: print a port in 20000-32767 that no TCP socket uses: below the usual
# ephemeral range, so that outgoing connections never take it meanwhile, and at most
# 32767, the highest ListenPort the Zabbix daemons accept. A daemon that still loses
# the race fails to bind and says so in its log.
free_port() {
	local port i
	for ((i = 0; i < 200; i++)); do
		port=$((20000 + (RANDOM * 32768 + RANDOM) % 12768))
		port_busy "$port" || {
			printf '%s\n' "$port"
			return 0
		}
	done
	printf 'no free TCP port found\n' >&2
	return 1
}
