#pragma once
// FSCTL_QUERY_NETWORK_INTERFACE_INFO (MS-SMB2 2.2.32.5, 3.3.5.15.11): the
// server's interfaces as NETWORK_INTERFACE_INFO entries, built from the
// packed list the master enumerated (smbd-master/interface_list.h), so that
// multichannel clients can find further paths to this server.
#include <cstdint>
#include <vector>

#include "common/smb/ntstatus.h"
#include "common/wire/reader.h"

namespace cifsd::session {

constexpr size_t kNetworkInterfaceInfoSize = 152;

// `packed`: HelloAnswer::interfaces. NOT_SUPPORTED before SMB 3.x or without
// multichannel; BUFFER_TOO_SMALL when the entries do not fit in max_out.
NtStatus network_interface_info(uint16_t dialect, bool multichannel, Bytes packed,
                                uint32_t max_out, std::vector<uint8_t>* out);

}  // namespace cifsd::session
