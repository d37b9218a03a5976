#!/usr/bin/env bash
# make install puts the programs, sql/, www/, apache/ and the sample config
# in their usual places.
set -u
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
ok() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }
make -C "$WH_BIN" install DESTDIR="$dest" >"$dest.log" 2>&1
rc=$?
ok "make install succeeds" '[ $rc -eq 0 ]'
prefix=$(sed -n 's/^prefix = //p' "$WH_BIN/Makefile")
sysconf=$(sed -n 's/^sysconfdir = //p' "$WH_BIN/Makefile" | sed "s#\${prefix}#$prefix#")
ok "webhooksctl installed in bin" '[ -x "$dest$prefix/bin/webhooksctl" ]'
ok "webhooks.fcgi installed in libexec" '[ -x "$dest$prefix/libexec/webhooks.fcgi" ]'
ok "migrations installed" '[ -f "$dest$prefix/share/momentumpro-webhooks/sql/001_schema.sql" ]'
notinst=""
for f in "$WH_TOP"/sql/[0-9]*.sql; do
	[ -f "$dest$prefix/share/momentumpro-webhooks/sql/$(basename "$f")" ] || notinst="$notinst $(basename "$f")"
done
ok "every migration in sql/ is installed (missing:${notinst:- none})" '[ -z "$notinst" ]'
ok "admin.js installed beside the stylesheet" '[ -f "$dest$prefix/share/momentumpro-webhooks/www/admin.js" ]'
ok "event catalog installed" '[ -f "$dest$prefix/share/momentumpro-webhooks/sql/catalog.json" ]'
ok "stylesheet installed" '[ -f "$dest$prefix/share/momentumpro-webhooks/www/style.css" ]'
ok "Apache config installed" '[ -f "$dest$prefix/share/momentumpro-webhooks/apache/webhooks.conf" ]'
ok "lighttpd config installed" '[ -f "$dest$prefix/share/momentumpro-webhooks/apache/lighttpd-webhooks.conf" ]'
ok "Prometheus alert rules installed beside the web server configs" '[ -f "$dest$prefix/share/momentumpro-webhooks/apache/webhooks-alerts.yml" ]'
cl="$dest$prefix/share/momentumpro-webhooks/cluster"
ok "Galera node settings and HAProxy config installed in cluster/" '[ -f "$cl/galera.cnf" ] && [ -f "$cl/haproxy.cfg" ]'
ok "the Galera health check installed, executable, with its unit" \
	'[ -x "$cl/webhooks-clustercheck" ] && [ -f "$cl/webhooks-clustercheck.service" ]'
ok "the HAProxy config is one writer with a synced-state check" \
	'grep -q "^[[:space:]]*balance first" "$cl/haproxy.cfg" && grep -q "option httpchk" "$cl/haproxy.cfg" && grep -q "backup" "$cl/haproxy.cfg"'
ok "the Galera settings flush the log at every commit" \
	'grep -Eq "^innodb_flush_log_at_trx_commit[[:space:]]*=[[:space:]]*1" "$cl/galera.cnf"'
ok "sample config installed in sysconfdir" '[ -f "$dest$sysconf/webhooks.conf.sample" ]'
# The sample config documents every key the reader knows.
keys=$(grep -o '{ "[a-z]*", "[a-z_]*"' "$WH_TOP/src/core/conf.c" | sed 's/.*, "//; s/"//')
missing=""
for k in $keys; do grep -q "^;\{0,1\}$k *=" "$WH_TOP/webhooks.conf.sample" || missing="$missing $k"; done
ok "sample config documents every key (missing:${missing:- none})" '[ -z "$missing" ]'
# So does README's configuration table: a row "| `[section] key`" (or a
# row of that section naming the key as "/ `key`").
missing=""
for sk in $(grep -o '{ "[a-z]*", "[a-z_]*"' "$WH_TOP/src/core/conf.c" | sed 's/{ "//; s/", "/:/; s/"//'); do
	sec=${sk%%:*} k=${sk#*:}
	grep -E "^\| \`\[$sec\] " "$WH_TOP/README.md" | grep -qE "(\] |\`)$k\`" || missing="$missing [$sec]$k"
done
ok "README's configuration table documents every key (missing:${missing:- none})" '[ -z "$missing" ]'
ok "the OpenAPI document installed beside the static files" \
	'[ -f "$dest$prefix/share/momentumpro-webhooks/www/openapi.json" ]'
# The sample config is accepted as it is.
"$dest$prefix/bin/webhooksctl" -c "$WH_TOP/webhooks.conf.sample" version >/dev/null
out=$("$dest$prefix/bin/webhooksctl" -c "$WH_TOP/webhooks.conf.sample" nosuch 2>&1)
ok "the sample config parses (no config error)" '! echo "$out" | grep -q "webhooks.conf.sample:"'
