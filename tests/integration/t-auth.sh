#!/bin/bash
# Authentication: good and wrong passwords, unknown users, guest mapping;
# NTLMv1 refused by default and accepted with "ntlm auth = ntlmv1-permitted".
. "$(dirname "$0")/lib.sh"
it_setup
it_start_server
check "alice logs on" alice share -c ls
check "bob logs on" bob share -c ls
check_fail_out "wrong password -> NT_STATUS_LOGON_FAILURE" 'NT_STATUS_LOGON_FAILURE' \
  smbc share "$ALICE%wrong-password" -c ls
check_fail_out "known user, empty password -> NT_STATUS_LOGON_FAILURE" 'NT_STATUS_LOGON_FAILURE' \
  smbc share "$ALICE%" -c ls
# map to guest = bad user: an unknown user becomes the guest...
check_out "unknown user reaches the guest-ok share as guest" 'public\.txt' \
  smbc pub "nosuchuser%whatever" -c ls
check_out "anonymous (-N) reaches the guest-ok share" 'public\.txt' \
  timeout 60 smbclient //127.0.0.1/pub -p "$PORT" -N -c ls
# ...who may not use a share that is not guest ok.
check_fail_out "guest refused on a non-guest share" 'NT_STATUS_(ACCESS_DENIED|LOGON_FAILURE|BAD_NETWORK_NAME)' \
  smbc share "nosuchuser%whatever" -c ls
check_fail_out "guest cannot write to the read-only guest share" 'NT_STATUS_(ACCESS_DENIED|MEDIA_WRITE_PROTECTED)' \
  smbc pub "nosuchuser%whatever" -c "put $CONF x.conf"
# valid users: a user not listed is refused.
check_fail_out "missing share -> NT_STATUS_BAD_NETWORK_NAME" 'NT_STATUS_BAD_NETWORK_NAME' alice nosuchshare -c ls
# NTLMv1. smbclient answers with NTLMv1 when "client ntlmv2 auth = no" (Samba
# warns that the option is deprecated; harmless): by default with extended
# session security (the "NTLM2 session response"), and without it when also
# "ntlmssp_client:ntlm2 = no". Both then sign the SPNEGO mechListMIC, so the
# signed put/get below also checks our NTLMSSP signatures with and without
# extended session security, and SMB signing with the NTLMv1 session key.
V1=(--option='client ntlmv2 auth=no')
V1_NOESS=(--option='client ntlmv2 auth=no' --option='ntlmssp_client:ntlm2=no')
check_fail_out "NTLMv1 refused by default (ntlm auth = ntlmv2-only)" 'NT_STATUS_LOGON_FAILURE' \
  alice share "${V1[@]}" -c ls
check_fail_out "NTLMv1 without extended session security refused by default" \
  'NT_STATUS_LOGON_FAILURE' alice share "${V1_NOESS[@]}" -c ls
if [ "$IT_SERVER" = cifsd ]; then
  check_out "the refusal is logged as NTLMv1 refused by 'ntlm auth'" \
    "NTLMv1 response refused \(ntlm auth = ntlmv2-only\)" cat "$T/server.log"
fi

sed -i 's/^\tmap to guest = bad user/&\n\tntlm auth = ntlmv1-permitted/' "$CONF"
kill -HUP "$SERVER_PID"
for _ in $(seq 50); do  # the reload reaches smbd-auth asynchronously
  alice share "${V1[@]}" -c ls >/dev/null 2>&1 && break
  sleep 0.2
done
check "NTLMv1 logon with ntlm auth = ntlmv1-permitted" alice share "${V1[@]}" -c ls
check "NTLMv1 logon without extended session security" alice share "${V1_NOESS[@]}" -c ls
if [ "$IT_SERVER" = cifsd ]; then
  check_out "smbd-auth verified NTLMv1 with extended session security" \
    "NTLMv1 logon for '$ALICE' with extended session security" cat "$T/server.log"
  check_out "smbd-auth verified NTLMv1 without extended session security" \
    "NTLMv1 logon for '$ALICE' \(ntlm auth" cat "$T/server.log"
fi
head -c 300000 /dev/urandom >"$T/v1.bin"
V1_SUM=$(sha256sum <"$T/v1.bin" | cut -d' ' -f1)
v1_putget() {  # description name smbclient-args...
  local what=$1 name=$2
  shift 2
  rm -f "$T/$name.back"
  check "$what" alice share --client-protection=sign "$@" \
    -c "put $T/v1.bin $name; get $name $T/$name.back"
  if [ -f "$T/$name.back" ] && [ "$(sha256sum <"$T/$name.back" | cut -d' ' -f1)" = "$V1_SUM" ]; then
    pass "$what: checksum of the copy"
  else
    fail "$what: checksum of the copy"
  fi
}
v1_putget "NTLMv1 signed put/get" v1-ess.bin "${V1[@]}"
v1_putget "NTLMv1 (no ESS) signed put/get" v1-noess.bin "${V1_NOESS[@]}"
check_fail_out "NTLMv1 with a wrong password -> NT_STATUS_LOGON_FAILURE" 'NT_STATUS_LOGON_FAILURE' \
  smbc share "$ALICE%wrong-password" "${V1[@]}" -c ls
check_fail_out "NTLMv1 (no ESS) with a wrong password -> NT_STATUS_LOGON_FAILURE" \
  'NT_STATUS_LOGON_FAILURE' smbc share "$ALICE%wrong-password" "${V1_NOESS[@]}" -c ls
check "NTLMv2 logons still work with ntlm auth = ntlmv1-permitted" alice share -c ls
it_done
