#!/bin/bash
# Kerberos logons (docs/kerberos.md): a throwaway MIT KDC on 127.0.0.1 (its
# own KRB5_CONFIG, port and database under the test's temp dir), cifsd with
# "realm" and a test keytab, then smbclient --use-kerberos=required with
# signing and encryption, refused principals, NTLM still working beside it,
# and smbtorture's session-expiry tests with a 4 s ticket (-k yes), which
# check that a session ends with the ticket (STATUS_NETWORK_SESSION_EXPIRED).
. "$(dirname "$0")/lib.sh"
for tool in krb5kdc kdb5_util kadmin.local kinit kdestroy; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed (krb5-kdc, krb5-user)"; exit 77; }
done
if [ "$IT_SERVER" = cifsd ] && ! grep -q 'define HAVE_KERBEROS 1' "$CIFSD_BUILD/config.h" 2>/dev/null; then
  echo "SKIP: $CIFSD_BUILD was configured without Kerberos (libkrb5-dev)"; exit 77
fi
it_setup

REALM=CIFSD.TEST
# Samba's clients will not use Kerberos for a server named "localhost" or an
# address, so the server is named by this machine's host name (its service
# principal is cifs/<host name>); smbclient still connects to 127.0.0.1.
SRV=$(hostname -s | tr 'A-Z' 'a-z')
K=$T/krb5
mkdir -p "$K"
KDC_PORT=$(free_port)
cat >"$K/krb5.conf" <<C
[libdefaults]
	default_realm = $REALM
	dns_lookup_kdc = false
	dns_lookup_realm = false
	dns_canonicalize_hostname = false
	rdns = false
	ignore_acceptor_hostname = true
[realms]
	$REALM = {
		kdc = 127.0.0.1:$KDC_PORT
	}
[domain_realm]
	$SRV = $REALM
C
cat >"$K/kdc.conf" <<C
[kdcdefaults]
	kdc_ports = $KDC_PORT
	kdc_tcp_ports = $KDC_PORT
[realms]
	$REALM = {
		database_name = $K/principal
		key_stash_file = $K/stash
		acl_file = $K/kadm5.acl
		max_life = 10h
		max_renewable_life = 0
		supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
	}
[logging]
	kdc = FILE:$K/kdc.log
C
export KRB5_CONFIG=$K/krb5.conf KRB5_KDC_PROFILE=$K/kdc.conf KRB5CCNAME=FILE:$K/ccache
# The acceptor's replay cache, private to this run.
export KRB5RCACHEDIR=$K
chmod 0777 "$K"   # smbd-auth (the service user) keeps its replay cache here
kdb5_util create -s -r "$REALM" -P 'kdc-master-pw' >"$K/setup.log" 2>&1 || { cat "$K/setup.log"; exit 1; }
kadm() { kadmin.local -r "$REALM" -q "$1" >>"$K/setup.log" 2>&1; }
kadm "addprinc -pw $ALICE_PW $ALICE"
kadm "addprinc -pw $BOB_PW $BOB"
kadm "addprinc -pw nobody-pw cifsd_nosuch"
kadm "addprinc -pw admin-pw $ALICE/admin"
kadm "addprinc -randkey cifs/$SRV"
kadm "ktadd -k $K/server.keytab cifs/$SRV"
chmod 0600 "$K/server.keytab"
krb5kdc -n -r "$REALM" -P "$K/kdc.pid" </dev/null >"$K/kdc.out" 2>&1 &
KDC_PID=$!
bg_track "$KDC_PID"
for _ in $(seq 50); do ss -Hltn "sport = :$KDC_PORT" | grep -q . && break; sleep 0.1; done

sed -i "/^\[global\]/a\\
	realm = $REALM\\
	kerberos keytab = $K/server.keytab\\
	server kerberos = yes" "$CONF"
it_start_server

kinit_as() {  # principal password
  kdestroy >/dev/null 2>&1
  echo "$2" | kinit "$1" >"$T/kinit.out" 2>&1
}
# The client names the server $SRV and connects to 127.0.0.1, where cifsd listens.
ksmb() {  # share [smbclient args...]
  local share=$1
  shift
  timeout 60 smbclient "//$SRV/$share" -I 127.0.0.1 -p "$PORT" --use-kerberos=required --use-krb5-ccache="$KRB5CCNAME" "$@"
}

head -c 300000 /dev/urandom >"$T/payload"
SUM=$(sha256sum <"$T/payload" | cut -d' ' -f1)
check "kinit $ALICE" kinit_as "$ALICE" "$ALICE_PW"
for prot in off sign encrypt; do
  rm -f "$T/back.$prot"
  check "Kerberos put/get ($prot)" ksmb share --client-protection=$prot \
    -c "put $T/payload k-$prot.bin; get k-$prot.bin $T/back.$prot"
  if [ -f "$T/back.$prot" ] && [ "$(sha256sum <"$T/back.$prot" | cut -d' ' -f1)" = "$SUM" ]; then
    pass "checksum after Kerberos put/get ($prot)"
  else
    fail "checksum after Kerberos put/get ($prot)"
  fi
done
check "the Kerberos logon mapped to $ALICE (owner of the written file)" \
  test "$(stat -c %U "$T/share/k-off.bin")" = "$ALICE"
check "server log names the Kerberos logon" grep -q "$ALICE.*authenticated" "$T/server.log"
check_out "alice's own share by Kerberos" 'blocks' ksmb alice -c ls

check "kinit $BOB" kinit_as "$BOB" "$BOB_PW"
check_fail_out "bob (Kerberos) cannot use alice's share" 'NT_STATUS_(ACCESS_DENIED|BAD_NETWORK_NAME)' \
  ksmb alice -c ls

check "kinit a principal with no Unix account" kinit_as cifsd_nosuch nobody-pw
check_fail_out "principal without an account is refused" 'NT_STATUS_LOGON_FAILURE' ksmb share -c ls
check "kinit $ALICE/admin" kinit_as "$ALICE/admin" admin-pw
check_fail_out "non-user principal ($ALICE/admin) is refused" 'NT_STATUS_LOGON_FAILURE' ksmb share -c ls
check "server log says why" grep -q "not a plain user principal" "$T/server.log"

# NTLM keeps working next to Kerberos.
kdestroy >/dev/null 2>&1
check "NTLM logon still works" alice share -c ls

# Session expiry bounded by the ticket: smbtorture asks for a 4 s context,
# which MIT's KDC does not honour on the service ticket, so the service
# principal's own maximum ticket life is made 4 s for these tests.
# smbtorture needs $SRV to resolve to 127.0.0.1 (it has no -I).
TORTURE_OUT=$T/torture
mkdir -p "$TORTURE_OUT"
kadm "modprinc -maxlife \"4 seconds\" cifs/$SRV"
for t in ${KRB_TORTURE_TESTS:-expire1n expire1s expire1e expire2s expire2e expire_disconnect}; do
  [ "$t" = none ] && break
  kdestroy >/dev/null 2>&1
  (cd "$TORTURE_OUT" && timeout -k 5 90 smbtorture "//$SRV/share" -p "$PORT" \
     -k yes --realm="$REALM" ${KRB_TORTURE_ARGS:-} -U "$ALICE%$ALICE_PW" "smb2.session.$t") >"$T/torture-$t.log" 2>&1
  if grep -qE '^success: ' "$T/torture-$t.log" && ! grep -qE '^(failure|error): ' "$T/torture-$t.log"; then
    pass "smbtorture smb2.session.$t (-k yes)"
  else
    fail "smbtorture smb2.session.$t (-k yes)"
    grep -vE '^(time:|$)' "$T/torture-$t.log" | tail -n 8 | sed 's/^/    | /'
  fi
done
it_done
