# Helpers for tests/bench/run: start and stop the private services, talk
# to the database, collect result rows.  Sourced, not run.
#
# These repeat the few steps of ./dev they need (start_mariadb,
# start_lighttpd, write_config) instead of sourcing ./dev, which runs its
# command dispatch when sourced.  MariaDB starts from tests/mariadb-server,
# as in ./dev, and lighttpd's settings are the same as ./dev's, so the
# figures describe what ./dev up runs.

BENCH_PIDS=()

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- processes
track() { BENCH_PIDS+=("$1"); }

untrack() {
	local p keep=()
	for p in "${BENCH_PIDS[@]:-}"; do
		[ -n "$p" ] && [ "$p" != "$1" ] && keep+=("$p")
	done
	BENCH_PIDS=("${keep[@]:-}")
}

# Children of PID, from /proc (lighttpd's FastCGI processes).
children_of() {
	local f pid ppid
	for f in /proc/[0-9]*/stat; do
		read -r pid _ _ ppid _ 2>/dev/null <"$f" || continue
		[ "$ppid" = "$1" ] && echo "$pid"
	done
}

# stop_pid PID: TERM, up to 10 s, then KILL; also its direct children
# (lighttpd's FastCGI processes), by their ids.
stop_pid() {
	local pid=$1 kids i
	[ -n "$pid" ] || return 0
	kids=$(children_of "$pid")
	kill "$pid" 2>/dev/null
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	# webhooks.fcgi may sit in accept() through a TERM (SA_RESTART):
	# whatever is left after 2 s is killed.
	for i in $kids; do
		kill "$i" 2>/dev/null
	done
	for i in $(seq 1 20); do
		[ -z "$(alive $kids)" ] && break
		sleep 0.1
	done
	for i in $(alive $kids); do
		kill -9 "$i" 2>/dev/null
	done
	untrack "$pid"
}

alive() {
	local p
	for p in "$@"; do
		kill -0 "$p" 2>/dev/null && echo "$p"
	done
}

stop_all() {
	local p
	for p in "${BENCH_PIDS[@]:-}"; do
		[ -n "$p" ] && stop_pid "$p"
	done
	BENCH_PIDS=()
}

# Peak resident set (VmHWM) of PID, in KiB; 0 when it is gone.
hwm_kb() {
	awk '/^VmHWM:/ { print $2; found = 1 } END { if (!found) print 0 }' \
		"/proc/$1/status" 2>/dev/null || echo 0
}

# CPU time (user + system) of PID so far, in clock ticks; 0 when gone.
cpu_ticks() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
	# Fields after the parenthesised command: utime is the 12th, stime
	# the 13th.
	set -- ${stat##*) }
	echo $(( ${12} + ${13} ))
}

# kv KEY LINE: the value of KEY=value in a key=value line.
kv() {
	local k=$1 w
	shift
	# shellcheck disable=SC2048 # the line is split into its words
	for w in $*; do
		case $w in "$k"=*) echo "${w#*=}"; return 0 ;; esac
	done
	echo 0
}

# ---------------------------------------------------------------- MariaDB
start_mariadb() {	# start_mariadb DIR PORT
	local dir=$1 port=$2 i
	"$TOP/tests/mariadb-server" init "$dir" || die "mariadb-install-db failed"
	"$TOP/tests/mariadb-server" run "$dir" "$port" >/dev/null 2>&1 &
	track $!
	# shellcheck disable=SC2034 # read by tests/bench/run
	DB_PID=$!
	DB_SOCK="$dir/mysqld.sock"
	for i in $(seq 1 150); do
		[ -S "$DB_SOCK" ] && sql_root -e 'SELECT 1' >/dev/null 2>&1 && break
		sleep 0.1
	done
	sql_root -e 'SELECT 1' >/dev/null 2>&1 ||
		{ tail -20 "$dir/mysqld.err" >&2; die "MariaDB did not start"; }
	sql_root <<-SQL
		CREATE DATABASE IF NOT EXISTS webhooks CHARACTER SET utf8mb4;
		CREATE USER IF NOT EXISTS 'webhooks'@'127.0.0.1' IDENTIFIED BY 'webhooks-bench';
		CREATE USER IF NOT EXISTS 'webhooks'@'localhost' IDENTIFIED BY 'webhooks-bench';
		GRANT ALL ON webhooks.* TO 'webhooks'@'127.0.0.1';
		GRANT ALL ON webhooks.* TO 'webhooks'@'localhost';
	SQL
}

sql_root() { mariadb --no-defaults -uroot --socket="$DB_SOCK" "$@"; }

# sql "STATEMENTS": runs them in the webhooks schema, tab-separated output
# without column names.
sql() { mariadb --no-defaults -uroot --socket="$DB_SOCK" -N -B webhooks -e "$1"; }

# A client kept open for polling (sql_poll): starting a client process
# for every poll would cost the host more CPU than the work measured.
sql_poll_open() {
	coproc SQLPOLL { mariadb --no-defaults -uroot --socket="$DB_SOCK" -N -B --unbuffered webhooks 2>/dev/null; }
}
# sql_poll QUERY: the first line of its answer (one row, one column)
# in POLLED, without a subshell.
sql_poll() {
	printf '%s\n' "$1" >&"${SQLPOLL[1]}"
	IFS= read -r POLLED <&"${SQLPOLL[0]}"
}

# nap SECONDS: sleep without starting a process (a read that times out
# on a pipe nothing writes to).
nap() {
	[ -n "${NAP_FD:-}" ] || exec {NAP_FD}<> <(:)
	read -rt "$1" -u "$NAP_FD" _ || :
}

# now_us: microseconds since the epoch, without a process.
now_us() { local t=$EPOCHREALTIME; NOW_US=$(( 10#${t%[.,]*} * 1000000 + 10#${t#*[.,]} )); }
sql_poll_close() {
	local pid=${SQLPOLL_PID:-}
	[ -n "$pid" ] || return 0
	exec {SQLPOLL[1]}>&-
	wait "$pid" 2>/dev/null
}

# write_config FILE DB_PORT WAKE_PORT [SECTION.KEY=VALUE]...: the
# configuration `make install` ships (webhooks.conf.sample) with only
# what a private run must change: the [database] keys,
# allow_private_networks (the receiver is on loopback) and wake_address.
# Every other key keeps the sample's line, set or commented out, so the
# programs run with the shipped defaults.  Each SECTION.KEY=VALUE after
# that replaces the key's line (commented or not), or is added to the
# section; a row measured so says which default it changes.
write_config() {
	local file=$1 dbport=$2 wake=$3
	shift 3
	awk -v ov="$(printf '%s\n' \
		database.host=127.0.0.1 "database.port=$dbport" \
		database.user=webhooks database.password=webhooks-bench \
		database.name=webhooks delivery.allow_private_networks=yes \
		"delivery.wake_address=127.0.0.1:$wake" "$@")" '
	function flush(   k) {
		for (k in val)
			if (!(k in used) && index(k, sec ".") == 1) {
				print substr(k, length(sec) + 2) " = " val[k]
				used[k] = 1
			}
	}
	BEGIN {
		n = split(ov, l, "\n")
		for (i = 1; i <= n; i++)
			if ((e = index(l[i], "=")) > 0)
				val[substr(l[i], 1, e - 1)] = substr(l[i], e + 1)
		print "; written by tests/bench/run from webhooks.conf.sample"
	}
	/^[ \t]*$/ { blank++; next }
	/^\[[a-z]+\]/ { flush() }
	{ for (; blank > 0; blank--) print "" }
	/^\[[a-z]+\]/ {
		sec = substr($0, 2, index($0, "]") - 2)
		print
		next
	}
	match($0, /^;?[ \t]*[a-z_]+[ \t]*=/) {
		k = $0
		sub(/^;?[ \t]*/, "", k)
		sub(/[ \t]*=.*/, "", k)
		if ((sec "." k) in val) {
			print k " = " val[sec "." k]
			used[sec "." k] = 1
			next
		}
	}
	{ print }
	END { flush(); for (; blank > 0; blank--) print "" }
	' "$TOP/webhooks.conf.sample" >"$file" || die "cannot write $file"
}

# conf_value FILE SECTION KEY: the key's value in FILE, from its line
# whether set or commented out (the sample shows every default), without
# its comment; empty when there is no such line.
conf_value() {
	awk -v want="$2" -v key="$3" '
	/^\[[a-z]+\]/ { sec = substr($0, 2, index($0, "]") - 2); next }
	sec == want {
		l = $0
		sub(/^;?[ \t]*/, "", l)
		if (index(l, key) != 1) next
		l = substr(l, length(key) + 1)
		if (l !~ /^[ \t]*=/) next
		sub(/^[ \t]*=[ \t]*/, "", l)
		sub(/[ \t]*;.*/, "", l)
		v = l
		if (set) next
		if ($0 !~ /^;/) set = 1
	}
	END { print v }' "$1"
}

# ---------------------------------------------------------------- lighttpd
wait_http() {
	local i
	for i in $(seq 1 100); do
		curl -s -o /dev/null "$1" && return 0
		sleep 0.1
	done
	return 1
}

# start_lighttpd DIR PORT FCGI CONFIG PROCS: the same configuration as
# ./dev's, the FastCGI program being webhooks.fcgi or the trivial one.
# Sets LIGHTTPD_PID.
start_lighttpd() {
	local dir=$1 port=$2 fcgi=$3 conf=$4 procs=$5
	mkdir -p "$dir"
	cat >"$dir/lighttpd.conf" <<-EOF
		server.document-root = "$TOP/www"
		server.bind = "127.0.0.1"
		server.port = $port
		server.pid-file = "$dir/lighttpd.pid"
		server.errorlog = "$dir/lighttpd-error.log"
		server.modules = ( "mod_access", "mod_accesslog" )
		accesslog.filename = "$dir/lighttpd-access.log"
		mimetype.assign = ( ".css" => "text/css", ".js" => "text/javascript",
		    ".svg" => "image/svg+xml", ".png" => "image/png" )
		var.webhooks_fcgi = "$fcgi"
		var.webhooks_www = "$TOP/www"
		var.webhooks_config = "$conf"
		var.webhooks_socket = "$dir/fcgi.sock"
		var.webhooks_procs = $procs
		include "$TOP/apache/lighttpd-webhooks.conf"
	EOF
	lighttpd -tt -f "$dir/lighttpd.conf" >/dev/null || die "lighttpd config test failed"
	# The ports are in the kernel's ephemeral range: an outgoing
	# connection may hold one for a moment, so a failed bind is retried.
	for _ in 1 2 3; do
		lighttpd -D -f "$dir/lighttpd.conf" >>"$dir/lighttpd-error.log" 2>&1 &
		LIGHTTPD_PID=$!
		track "$LIGHTTPD_PID"
		wait_http "http://127.0.0.1:$port/healthz" && return 0
		kill -0 "$LIGHTTPD_PID" 2>/dev/null && break
		untrack "$LIGHTTPD_PID"
		sleep 1
	done
	tail "$dir/lighttpd-error.log" >&2
	die "lighttpd did not start"
}

# ---------------------------------------------------------------- results
# row NAME VALUE UNIT BASELINE TARGET_OP TARGET NOTE
#   TARGET_OP: ratio>= (ratio at least TARGET), value<= (value at most
#   TARGET), or info (no target: met is null).
row() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$ROWS"
}
