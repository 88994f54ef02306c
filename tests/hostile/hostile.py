#!/usr/bin/python3
"""Hostile-input suite: every item of classes A-G of
../shared/design/security.md against a running cifsd (see run.sh). After
each item the harness checks that a fresh client is served, that the master,
smbd-auth and smbd-rpc are the same processes, and that no sanitizer report
or session killed by a signal appeared in the server log. Prints a table:
class -> inputs tried -> failures."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cases_abc as A  # noqa: E402
import cases_defg as D  # noqa: E402
from harness import Suite  # noqa: E402

CLASSES = {
    "A": "framing and length checks",
    "B": "object lifetime",
    "C": "credits, compounds and memory",
    "D": "authentication and authorization",
    "E": "security descriptors, EAs and streams",
    "F": "escaping the share",
    "G": "the IPC trust boundary (client side)",
}

ITEMS = [
    ("A", "NetBIOS lengths and types", A.a_netbios_lengths),
    ("A", "every ProtocolId", A.a_protocol_ids),
    ("A", "header StructureSize", A.a_header_structure_size),
    ("A", "body StructureSize of every command", A.a_body_structure_size),
    ("A", "offsets below/past/wrapping", A.a_offsets),
    ("A", "QUERY_INFO input buffer inside the request", A.a_query_info_input),
    ("A", "WRITE DataOffset 0 / huge Length", A.a_write_huge),
    ("A", "NextCommand", A.a_next_command),
    ("A", "negotiate contexts", A.a_negotiate_contexts),
    ("A", "create contexts", A.a_create_contexts),
    ("A", "EA lists", A.a_ea_lists),
    ("A", "TRANSFORM / COMPRESSION_TRANSFORM", A.a_transform),
    ("B", "TREE_DISCONNECT then I/O", A.b_tree_disconnect),
    ("B", "LOGOFF then I/O", A.b_logoff),
    ("B", "CLOSE then I/O", A.b_close),
    ("B", "concurrent SESSION_SETUPs, re-auth", A.b_sessions),
    ("B", "channel binding vs logoff", A.b_binding),
    ("B", "break acks after close, durable reconnect", A.b_breaks_durable),
    ("C", "credit window", A.c_credits),
    ("C", "requests without reading replies", A.c_unread_replies),
    ("C", "negotiate/session-setup loops, half-open", A.c_loops),
    ("C", "long compound chains", A.c_compounds),
    ("D", "NTLMSSP AUTHENTICATE fields", D.d_ntlm_fields),
    ("D", "mixing SessionId and TreeId", D.d_mixing),
    ("D", "signing required", D.d_signing),
    ("D", "anonymous and guest", D.d_anonymous),
    ("D", "constant-time MACs, wrong-password delay", D.d_constant_time_and_throttle),
    ("E", "security descriptors", D.e_descriptors),
    ("E", "SET_INFO/QUERY_INFO round trips", D.e_roundtrip),
    ("E", "streams and offsets", D.e_streams),
    ("F", "path names", D.f_names),
    ("F", "planted symlinks", D.f_symlinks),
    ("F", "rename and hard-link targets", D.f_rename_link),
    ("F", "mount point, lookup/create race", D.f_mount_and_race),
    ("F", "sandbox state of the session", D.f_sandbox_state),
    ("G", "DCE/RPC PDUs and pipe names", D.g_rpc),
]


def main():
    only = os.environ.get("HOSTILE_ONLY", "").split()
    S = Suite()
    S.start()
    for cls, name, fn in ITEMS:
        if only and cls not in only:
            continue
        S.run_item(cls, name, fn)
    ok = S.summary(CLASSES)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
