#!/usr/bin/env bash
# The deployment files work as shipped: the Apache vhost example (HTTPS,
# mod_fcgid), the .htaccess variant for shared hosting, the lighttpd
# example, the systemd unit and the man pages.
#
# Each example is copied with only its placeholders replaced (paths, ports,
# a self-signed certificate made here) and run by the real server on free
# loopback ports, against the test MariaDB of ./dev test.  Apache and
# lighttpd run their FastCGI children as www-data, so the program, its
# config and key are copied to a private directory under /tmp it can read.
# Env (./dev test): WH_TOP, WH_BIN, WEBHOOKS_CONFIG.
set -u

TOP=${WH_TOP:?} BIN=${WH_BIN:?} CONF=${WEBHOOKS_CONFIG:?}
ok() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; [ -n "${3:-}" ] && printf '#   %s\n' "$3" | head -c 2000; fi; return 0; }
skip() { echo "ok - $1 # skip $2"; }

T=$(mktemp -d /tmp/webhooks-deploy.XXXXXX)
chmod 755 "$T"
PIDS=()
# The programs the servers started from $T, by process id.  lighttpd leaves
# its FastCGI children behind when they do not exit on its SIGTERM.
ours() {
	local d
	for d in /proc/[0-9]*; do
		case $(readlink "$d/exe" 2>/dev/null) in "$T"/*) echo "${d#/proc/}" ;; esac
	done
}
cleanup() {
	local p left
	for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null; done
	left=$(ours)
	if [ -n "$left" ]; then
		kill $left 2>/dev/null
		sleep 0.5
		left=$(ours)
		[ -n "$left" ] && kill -KILL $left 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT
# Server processes are killed at the end; their leak reports are noise.
export ASAN_OPTIONS=detect_leaks=0

free_ports() {	# free_ports N: N distinct free loopback ports
	python3 - "$1" <<-'EOF'
		import socket, sys
		socks = []
		for _ in range(int(sys.argv[1])):
		    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
		print(" ".join(str(s.getsockname()[1]) for s in socks))
	EOF
}
wait_url() {	# wait_url URL [curl options]: up to 10 s for any answer
	local i
	for i in $(seq 1 100); do
		curl -sk -o /dev/null --max-time 2 "$@" && return 0
		sleep 0.1
	done
	return 1
}
status() {	# status URL [curl options]: the HTTP status code
	curl -sk -o /dev/null -w '%{http_code}' --max-time 10 "$@"
}
header() {	# header NAME URL [curl options]: one response header's value
	local name=$1
	shift
	curl -sk -D - -o /dev/null --max-time 10 "$@" |
		tr -d '\r' | sed -n "s/^$name: //Ip" | head -1
}

read -r P_HTTP P_HTTPS P_HT P_HTENV P_LHTTP P_LHTTPS <<<"$(free_ports 6)"
MAKEFILE_SYSCONF=$(sed -n 's/^sysconfdir = //p' "$BIN/Makefile")
PREFIX=$(sed -n 's/^prefix = //p' "$BIN/Makefile")
SYSCONF=${MAKEFILE_SYSCONF//\$\{prefix\}/$PREFIX}

# What www-data runs: the program, the static files, config and key.
PUB=$T/pub
mkdir -p "$PUB/www" "$PUB/acme" "$T/tls" "$T/log"
cp "$BIN/webhooks.fcgi" "$PUB/webhooks.fcgi"
cp -r "$TOP/www/." "$PUB/www/"
cp "$CONF" "$PUB/webhooks.conf"
KEY=$(dirname "$CONF")/webhooks.key
[ -f "$KEY" ] && cp "$KEY" "$PUB/webhooks.key"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=webhooks.example.com \
	-keyout "$T/tls/privkey.pem" -out "$T/tls/fullchain.pem" >/dev/null 2>&1
ok "a self-signed test certificate is made" '[ -s "$T/tls/fullchain.pem" ]'

# An API key, to see Authorization pass through each server.
APIKEY=$("$BIN/webhooksctl" tenant create "Deploy test" 2>/dev/null |
	sed -n 's/.*"api_key": "\([^"]*\)".*/\1/p')
ok "a tenant and API key for the checks" '[ -n "$APIKEY" ]'

AS_ROOT=0
[ "$(id -u)" -eq 0 ] && id www-data >/dev/null 2>&1 && AS_ROOT=1

MODS=/usr/lib/apache2/modules
apache_head() {	# apache_head DIR: server-wide lines of a test httpd.conf
	cat <<-EOF
		ServerRoot /etc/apache2
		ServerName 127.0.0.1
		PidFile $1/apache.pid
		User www-data
		Group www-data
		ErrorLog $1/error.log
		LogLevel warn
		LoadModule mpm_event_module $MODS/mod_mpm_event.so
		LoadModule authz_core_module $MODS/mod_authz_core.so
		LoadModule alias_module $MODS/mod_alias.so
		LoadModule mime_module $MODS/mod_mime.so
		LoadModule headers_module $MODS/mod_headers.so
		LoadModule rewrite_module $MODS/mod_rewrite.so
		LoadModule env_module $MODS/mod_env.so
		LoadModule ssl_module $MODS/mod_ssl.so
		LoadModule reqtimeout_module $MODS/mod_reqtimeout.so
		LoadModule fcgid_module $MODS/mod_fcgid.so
		TypesConfig /etc/mime.types
		FcgidIPCDir $1/fcgid
		FcgidProcessTableFile $1/fcgid_shm
	EOF
}
start_apache() {	# start_apache CONF LOGDIR
	APACHE_LOG_DIR=$2 apache2 -f "$1" -DFOREGROUND >>"$2/stderr.log" 2>&1 &
	PIDS+=($!)
}

# ------------------------------------------------------------- Apache vhost
# The example with its Defines pointing here and its ports moved.
A=$T/apache-vhost
mkdir -p "$A"
sed -e "s|^\(Define WEBHOOKS_CERT \+\).*|\1$T/tls/fullchain.pem|" \
    -e "s|^\(Define WEBHOOKS_KEY \+\).*|\1$T/tls/privkey.pem|" \
    -e "s|^\(Define WEBHOOKS_FCGI \+\).*|\1$PUB/webhooks.fcgi|" \
    -e "s|^\(Define WEBHOOKS_WWW \+\).*|\1$PUB/www|" \
    -e "s|^\(Define WEBHOOKS_CONFIG \+\).*|\1$PUB/webhooks.conf|" \
    -e "s|/var/www/html|$PUB/acme|" \
    -e "s|^\( *Include \)/usr/local/share/momentumpro-webhooks/apache/|\1$TOP/apache/|" \
    -e "s|<VirtualHost \*:80>|<VirtualHost *:$P_HTTP>|" \
    -e "s|<VirtualHost \*:443>|<VirtualHost *:$P_HTTPS>|" \
    "$TOP/apache/vhost-example.conf" >"$A/vhost.conf"
{
	apache_head "$A"
	echo "Listen 127.0.0.1:$P_HTTP"
	echo "Listen 127.0.0.1:$P_HTTPS"
	echo "Include $A/vhost.conf"
} >"$A/httpd.conf"
ok "the vhost example's placeholders are all replaced" \
	'! grep -v "^ *#" "$A/vhost.conf" | grep -q "/usr/local\|letsencrypt\|:80>\|:443>"' \
	"$(grep -v '^ *#' "$A/vhost.conf" | grep '/usr/local\|letsencrypt\|:80>\|:443>')"
out=$(APACHE_LOG_DIR=$A apache2 -t -f "$A/httpd.conf" 2>&1)
ok "apache2 -t accepts apache/vhost-example.conf (HTTPS, mod_fcgid)" \
	'echo "$out" | grep -q "Syntax OK" && ! echo "$out" | grep -qi "warn\|error"' "$out"

# .htaccess: one vhost per document root, as a host has; the example's
# with just the AllowOverride it documents, the SetEnv one with All.
H=$T/apache-htaccess
SITE=$T/site PRIV=$T/private SITE2=$T/site-setenv
mkdir -p "$H" "$SITE/static" "$PRIV" "$SITE2"
cp "$BIN/webhooks.fcgi" "$SITE/webhooks.fcgi"
cp "$BIN/webhooks.fcgi" "$SITE2/webhooks.fcgi"
cp -r "$TOP/www/." "$SITE/static/"
cp "$PUB/webhooks.conf" "$PRIV/webhooks.conf"
[ -f "$PUB/webhooks.key" ] && cp "$PUB/webhooks.key" "$PRIV/webhooks.key"
echo "password = x" >"$SITE/leaked.conf"
sed -e "s|/home/USER/webhooks.example.com|$SITE|g" -e "s|/home/USER/webhooks|$PRIV|g" \
	"$TOP/apache/htaccess-example" >"$SITE/.htaccess"
# The same with SetEnv instead of FcgidWrapper: documented not to work.
sed -e "s|^FcgidWrapper .*|SetEnv WEBHOOKS_CONFIG $PRIV/webhooks.conf|" \
	"$SITE/.htaccess" >"$SITE2/.htaccess"
ok "the .htaccess example's placeholders are all replaced" \
	'! grep -v "^#" "$SITE/.htaccess" | grep -q USER'
{
	apache_head "$H"
	echo "Listen 127.0.0.1:$P_HT"
	echo "Listen 127.0.0.1:$P_HTENV"
	for pair in "$P_HT $SITE FileInfo Options AuthConfig" "$P_HTENV $SITE2 All"; do
		set -- $pair
		cat <<-EOF
			<VirtualHost *:$1>
			    DocumentRoot $2
			    <Directory $2>
			        AllowOverride ${*:3}
			        Require all granted
			    </Directory>
			</VirtualHost>
		EOF
	done
} >"$H/httpd.conf"
out=$(apache2 -t -f "$H/httpd.conf" 2>&1)
ok "apache2 -t accepts the server around the .htaccess example" \
	'echo "$out" | grep -q "Syntax OK"' "$out"

# ---------------------------------------------------------------- lighttpd
L=$T/lighttpd
mkdir -p "$L"
sed -e "s|^var.tls_cert .*|var.tls_cert = \"$T/tls/fullchain.pem\"|" \
    -e "s|^var.tls_key .*|var.tls_key = \"$T/tls/privkey.pem\"|" \
    -e "s|^var.acme_root .*|var.acme_root = \"$PUB/acme\"|" \
    -e "s|^var.log_dir .*|var.log_dir = \"$L\"|" \
    -e "s|^var.state_dir .*|var.state_dir = \"$L\"|" \
    -e "s|^var.webhooks_fcgi .*|var.webhooks_fcgi = \"$PUB/webhooks.fcgi\"|" \
    -e "s|^var.webhooks_www .*|var.webhooks_www = \"$PUB/www\"|" \
    -e "s|^var.webhooks_config .*|var.webhooks_config = \"$PUB/webhooks.conf\"|" \
    -e "s|^var.webhooks_procs .*|var.webhooks_procs = 2|" \
    -e "s|^server.port .*|server.port = $P_LHTTP|" \
    -e "s|^server.bind .*||" \
    -e "s|\"socket\"\] == \":443\"|\"socket\"] == \"127.0.0.1:$P_LHTTPS\"|" \
    -e "s|^include \"/usr/local/share/momentumpro-webhooks/apache/|include \"$TOP/apache/|" \
    "$TOP/apache/lighttpd-example.conf" >"$L/lighttpd.conf"
echo "server.bind = \"127.0.0.1\"" >>"$L/lighttpd.conf"
ok "the lighttpd example's placeholders are all replaced" \
	'! grep -v "^ *#" "$L/lighttpd.conf" | grep -q "/usr/local\|letsencrypt\|\":443\"\|= 80$"' \
	"$(grep -v '^ *#' "$L/lighttpd.conf" | grep '/usr/local\|letsencrypt\|":443"\|= 80$')"

chown -R www-data:www-data "$PUB" "$SITE" "$SITE2" "$PRIV" "$L" 2>/dev/null
chmod 644 "$PUB/webhooks.conf"
out=$(lighttpd -tt -f "$L/lighttpd.conf" 2>&1)
rc=$?
ok "lighttpd -tt accepts apache/lighttpd-example.conf (HTTPS, mod_fastcgi)" \
	'[ $rc -eq 0 ] && [ -z "$out" ]' "$out"

# ------------------------------------------------------- the servers, live
if [ "$AS_ROOT" -eq 1 ]; then
	start_apache "$A/httpd.conf" "$A"
	start_apache "$H/httpd.conf" "$H"
	lighttpd -D -f "$L/lighttpd.conf" >>"$L/stderr.log" 2>&1 &
	PIDS+=($!)
	RES=(--resolve "webhooks.example.com:$P_HTTPS:127.0.0.1" --resolve "webhooks.example.com:$P_LHTTPS:127.0.0.1")
	HTTPS=https://webhooks.example.com:$P_HTTPS LHTTPS=https://webhooks.example.com:$P_LHTTPS
	wait_url "${RES[@]}" "$HTTPS/healthz"
	wait_url "http://127.0.0.1:$P_HT/healthz"
	wait_url "${RES[@]}" "$LHTTPS/healthz"

	for srv in apache lighttpd; do
		if [ $srv = apache ]; then base=$HTTPS plain=http://127.0.0.1:$P_HTTP log=$A/webhooks-error.log
		else base=$LHTTPS plain=http://127.0.0.1:$P_LHTTP log=$L/error.log; fi
		body=$(curl -sk --max-time 10 "${RES[@]}" "$base/healthz")
		ok "$srv example: GET /healthz over HTTPS answers ok" \
			'echo "$body" | grep -q "\"status\":\"ok\""' "$body; $(tail -5 "$log")"
		ok "$srv example: HSTS on HTTPS responses" \
			'[ "$(header Strict-Transport-Security "${RES[@]}" "$base/healthz")" = "max-age=63072000" ]'
		loc=$(header Location "$plain/healthz?x=1")
		ok "$srv example: plain HTTP redirects to HTTPS (301)" \
			'[ "$(status "$plain/healthz")" = 301 ] && [ "$loc" = "https://webhooks.example.com/healthz?x=1" ]' "$loc"
		ok "$srv example: ACME challenges stay on plain HTTP" \
			'[ "$(status "$plain/.well-known/acme-challenge/none")" = 404 ]'
		ok "$srv example: / redirects to the admin pages" \
			'header Location "${RES[@]}" "$base/" | grep -q "^\(https://webhooks.example.com:[0-9]*\)\{0,1\}/admin/webhooks$"'
		ok "$srv example: /static/style.css is served" \
			'[ "$(status "${RES[@]}" "$base/static/style.css")" = 200 ]'
		ok "$srv example: the Authorization header reaches the program" \
			'[ "$(status "${RES[@]}" -H "Authorization: Bearer $APIKEY" "$base/api/v1/event-types")" = 200 ]'
	done

	# Size limits: 1MiB < body < 2MiB is the program's 413 (JSON), above
	# 2MiB the server's.  HTTP/1.1: over HTTP/2 lighttpd resets the stream
	# of a request that is too large instead of answering 413.
	head -c 1572864 /dev/zero | tr '\0' ' ' >"$T/body-1.5m"
	head -c 3145728 /dev/zero | tr '\0' ' ' >"$T/body-3m"
	for srv in apache lighttpd; do
		[ $srv = apache ] && base=$HTTPS || base=$LHTTPS
		out=$(curl -sk --http1.1 --max-time 20 "${RES[@]}" -H "Authorization: Bearer $APIKEY" \
			-H "Content-Type: application/json" --data-binary @"$T/body-1.5m" \
			-w ' %{http_code}' "$base/api/v1/events" | tr -d '\n')
		ok "$srv example: a 1.5MiB event gets the program's JSON 413" \
			'echo "$out" | grep -q "payload_too_large.* 413$"' "${out:0:300}"
		code=$(curl -sk --http1.1 -o /dev/null --max-time 20 "${RES[@]}" -H "Authorization: Bearer $APIKEY" \
			-H "Content-Type: application/json" --data-binary @"$T/body-3m" \
			-w '%{http_code}' "$base/api/v1/events")
		ok "$srv example: a 3MiB event is refused by the server (413)" '[ "$code" = 413 ]' "$code"
	done

	# Shared hosting.
	HT=http://127.0.0.1:$P_HT
	body=$(curl -s --max-time 10 "$HT/healthz")
	ok ".htaccess example: GET /healthz answers ok through FcgidWrapper -c" \
		'echo "$body" | grep -q "\"status\":\"ok\""' "$body; $(tail -5 "$H/error.log")"
	ok ".htaccess example: the Authorization header reaches the program" \
		'[ "$(status -H "Authorization: Bearer $APIKEY" "$HT/api/v1/event-types")" = 200 ]'
	ok ".htaccess example: / redirects to the admin pages" \
		'header Location "$HT/" | grep -q "^\($HT\)\{0,1\}/admin/webhooks$"'
	ok ".htaccess example: /admin/login is routed to the program" \
		'[ "$(status "$HT/admin/login")" = 200 ]'
	ok ".htaccess example: /static/style.css is served" \
		'[ "$(status "$HT/static/style.css")" = 200 ]'
	ok ".htaccess example: a .conf file in the directory is not served" \
		'[ "$(status "$HT/leaked.conf")" = 403 ]'
	if [ -e "$SYSCONF/webhooks.conf" ]; then
		skip ".htaccess with SetEnv WEBHOOKS_CONFIG does not configure webhooks.fcgi" \
			"$SYSCONF/webhooks.conf exists, so the fallback would answer"
	else
		code=$(status "http://127.0.0.1:$P_HTENV/healthz")
		ok ".htaccess with SetEnv WEBHOOKS_CONFIG does not configure webhooks.fcgi (as documented)" \
			'[ "$code" != 200 ] && grep -q "$SYSCONF/webhooks.conf" "$H/error.log"' \
			"$code; $(tail -3 "$H/error.log")"
	fi
else
	skip "the example servers serve /healthz" "needs root and a www-data user"
fi

# ----------------------------------------------------------------- systemd
# Installed as make install puts it, then verified with the dispatcher path
# moved to the build's.  The man pages its Documentation= names are looked
# up in the installed man directory by the test itself: systemd-analyze
# would run whatever `man` the machine has (man-db, which does not search
# the test prefix; none at all on a minimal Debian), so its answer would
# depend on what else is installed.
D=$T/inst
make -C "$BIN" install DESTDIR="$D" >"$T/install.log" 2>&1
rc=$?
ok "make install succeeds" '[ $rc -eq 0 ]' "$(tail -5 "$T/install.log")"
unitdir=$(sed -n 's/^systemdsystemunitdir = //p' "$BIN/Makefile")
unitdir=${unitdir//\$\{prefix\}/$PREFIX}
mandir=$D$PREFIX/share/man
unit=$D$unitdir/webhooks-dispatcher.service
ok "make install puts the systemd unit in $unitdir" '[ -f "$unit" ]'
ok "the unit names the installed paths" \
	'grep -q "^ExecStart=$PREFIX/bin/webhooks-dispatcher$" "$unit" &&
	 grep -q "^Environment=WEBHOOKS_CONFIG=$SYSCONF/webhooks.conf$" "$unit"' "$(grep '^ExecStart\|^Env' "$unit")"
for m in man8/webhooksctl.8 man8/webhooks-dispatcher.8 man8/webhooks.fcgi.8 man5/webhooks.conf.5; do
	ok "make install puts $m in the man directory" '[ -f "$mandir/$m" ]'
done
for f in vhost-example.conf htaccess-example lighttpd-example.conf; do
	ok "make install puts apache/$f in the data directory" \
		'[ -f "$D$PREFIX/share/momentumpro-webhooks/apache/$f" ]'
done
nodoc=""
for doc in $(sed -n 's/^Documentation=//p' "$unit"); do
	case $doc in
	man:*\(*\))
		page=${doc#man:} name=${page%\(*} sec=${page##*\(}
		sec=${sec%\)}
		[ -f "$mandir/man${sec:0:1}/$name.$sec" ] || nodoc="$nodoc $page"
		;;
	esac
done
ok "the man pages the unit's Documentation= names are installed (missing:${nodoc:- none})" \
	'[ -z "$nodoc" ] && grep -q "^Documentation=.*man:" "$unit"' "$(grep '^Documentation=' "$unit")"
if ! command -v systemd-analyze >/dev/null; then
	skip "systemd-analyze verify accepts the unit" "no systemd-analyze"
else
	disp=$BIN/webhooks-dispatcher
	[ -x "$disp" ] || disp=/bin/true	# not built yet: check the unit alone
	sed "s|^ExecStart=[^ ]*|ExecStart=$disp|" "$unit" >"$T/webhooks-dispatcher.service"
	out=$(systemd-analyze verify --man=no "$T/webhooks-dispatcher.service" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && echo "$out" | grep -qi "not been booted\|Failed to connect to bus\|Failed to initialize manager"; then
		skip "systemd-analyze verify accepts the unit" "cannot run here: $(echo "$out" | head -1)"
	else
		ok "systemd-analyze verify accepts the unit (no warning)" '[ $rc -eq 0 ] && [ -z "$out" ]' "$out"
	fi
fi

# --------------------------------------------------------------- man pages
if command -v mandoc >/dev/null; then
	for m in "$TOP"/man/*.[58]; do
		out=$(mandoc -T lint -W warning "$m" 2>&1)
		ok "mandoc -T lint: $(basename "$m") is clean" '[ -z "$out" ]' "$out"
	done
else
	skip "man pages lint clean" "no mandoc (apt-get install mandoc)"
fi
# webhooks.conf(5) documents each key of src/core/conf.c exactly once, in its
# own section: .Ss [section] then ".It Ic key".
pairs=$(grep -o '{ "[a-z]*", "[a-z_]*"' "$TOP/src/core/conf.c" | sed 's/{ "\([a-z]*\)", "\([a-z_]*\)"/\1.\2/')
documented=$(awk '/^\.Ss \[/ { s = $2; gsub(/[][]/, "", s) }
	/^\.Ss [^[]/ { s = "" }
	/^\.Sh / { s = "" }
	/^\.It Ic / && s != "" { print s "." $3 }' "$TOP/man/webhooks.conf.5")
missing="" twice=""
for p in $pairs; do
	n=$(echo "$documented" | grep -cx "$p")
	[ "$n" -eq 0 ] && missing="$missing $p"
	[ "$n" -gt 1 ] && twice="$twice $p"
done
extra=""
for d in $documented; do echo "$pairs" | grep -qx "$d" || extra="$extra $d"; done
ok "webhooks.conf(5) documents every key of src/core/conf.c (missing:${missing:- none})" '[ -z "$missing" ]'
ok "webhooks.conf(5) documents each key once (twice:${twice:- none})" '[ -z "$twice" ]'
ok "webhooks.conf(5) documents no unknown key (unknown:${extra:- none})" '[ -z "$extra" ]'
echo "# test_deploy took ${SECONDS}s"
