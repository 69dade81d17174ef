# proxy_lib.sh - real proxies on loopback for the integration tests, each with its own config
# in $TMP and killed with the test's other servers. Source after lib.sh.

# wait_port PORT: until something listens on 127.0.0.1:PORT (5 s at most).
wait_port() {
	local i
	for ((i = 0; i < 100; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# start_tinyproxy VAR [CONFIG LINES...]: tinyproxy in the foreground with its own config (extra
# lines appended), its log in $TMP/tinyproxy-VAR.log. Sets VAR to the port.
start_tinyproxy() {
	local var=$1 port conf
	shift
	port=$(free_port)
	conf=$TMP/tinyproxy-$var.conf
	printf '%s\n' "Port $port" "Listen 127.0.0.1" "Timeout 30" "MaxClients 50" \
		"LogFile \"$TMP/tinyproxy-$var.log\"" "LogLevel Info" "DisableViaHeader Yes" "$@" >"$conf"
	tinyproxy -d -c "$conf" >"$TMP/tinyproxy-$var.out" 2>&1 &
	_PIDS+=($!)
	printf -v "$var" '%s' "$port"
	wait_port "$port" || {
		echo "# tinyproxy did not start: $(tr '\n' ' ' <"$TMP/tinyproxy-$var.out")" >&2
		return 1
	}
}

# start_microsocks VAR [ARGS...]: microsocks on 127.0.0.1 (never its default 0.0.0.0).
start_microsocks() {
	local var=$1 port
	shift
	port=$(free_port)
	microsocks -i 127.0.0.1 -p "$port" "$@" >"$TMP/microsocks-$var.log" 2>&1 &
	_PIDS+=($!)
	printf -v "$var" '%s' "$port"
	wait_port "$port"
}
