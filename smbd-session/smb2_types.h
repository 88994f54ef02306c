#pragma once
// SMB2 wire constants (MS-SMB2 2.2). Facts only; no behaviour.
#include <cstddef>
#include <cstdint>

namespace cifsd::smb2 {

constexpr uint32_t kProtocolId = 0x424D53FE;       // 0xFE 'S' 'M' 'B' read as little-endian u32
constexpr uint32_t kTransformId = 0x424D53FD;
constexpr size_t kTransformHeaderSize = 52;
constexpr uint32_t kSmb1ProtocolId = 0x424D53FF;
constexpr uint32_t kHeaderSize = 64;

enum Command : uint16_t {
  kNegotiate = 0x00, kSessionSetup = 0x01, kLogoff = 0x02, kTreeConnect = 0x03,
  kTreeDisconnect = 0x04, kCreate = 0x05, kClose = 0x06, kFlush = 0x07, kRead = 0x08,
  kWrite = 0x09, kLock = 0x0A, kIoctl = 0x0B, kCancel = 0x0C, kEcho = 0x0D,
  kQueryDirectory = 0x0E, kChangeNotify = 0x0F, kQueryInfo = 0x10, kSetInfo = 0x11,
  kOplockBreak = 0x12, kCommandCount = 0x13,
};

// Header flags
constexpr uint32_t kFlagResponse = 0x00000001;
constexpr uint32_t kFlagAsync = 0x00000002;
constexpr uint32_t kFlagRelated = 0x00000004;
constexpr uint32_t kFlagSigned = 0x00000008;
constexpr uint32_t kFlagPriorityMask = 0x00000070;
constexpr uint32_t kFlagDfs = 0x10000000;
constexpr uint32_t kFlagReplay = 0x20000000;

// Negotiate
constexpr uint16_t kSigningEnabled = 0x0001;
constexpr uint16_t kSigningRequired = 0x0002;
constexpr uint32_t kCapDfs = 0x01, kCapLeasing = 0x02, kCapLargeMtu = 0x04, kCapMultiChannel = 0x08,
                   kCapPersistentHandles = 0x10, kCapDirectoryLeasing = 0x20, kCapEncryption = 0x40;
constexpr uint16_t kDialectWildcard = 0x02FF;

// Session flags
constexpr uint16_t kSessionFlagGuest = 0x0001, kSessionFlagNull = 0x0002, kSessionFlagEncrypt = 0x0004;

// Share types / flags
constexpr uint8_t kShareTypeDisk = 0x01, kShareTypePipe = 0x02;
constexpr uint32_t kShareFlagEncryptData = 0x00008000;
constexpr uint32_t kShareFlagNoCaching = 0x00000030;

// Access mask bits (MS-DTYP 2.4.3, MS-SMB2 2.2.13.1)
constexpr uint32_t kFileReadData = 0x00000001, kFileWriteData = 0x00000002,
                   kFileAppendData = 0x00000004, kFileReadEa = 0x00000008,
                   kFileWriteEa = 0x00000010, kFileExecute = 0x00000020,
                   kFileDeleteChild = 0x00000040, kFileReadAttributes = 0x00000080,
                   kFileWriteAttributes = 0x00000100, kDelete = 0x00010000,
                   kReadControl = 0x00020000, kWriteDac = 0x00040000, kWriteOwner = 0x00080000,
                   kSynchronize = 0x00100000, kAccessSystemSecurity = 0x01000000,
                   kMaximumAllowed = 0x02000000, kGenericAll = 0x10000000,
                   kGenericExecute = 0x20000000, kGenericWrite = 0x40000000,
                   kGenericRead = 0x80000000;
constexpr uint32_t kFileAllAccess = 0x001F01FF;

constexpr uint32_t kShareRead = 1, kShareWrite = 2, kShareDelete = 4;

// File attributes
constexpr uint32_t kAttrReadonly = 0x1, kAttrHidden = 0x2, kAttrSystem = 0x4,
                   kAttrDirectory = 0x10, kAttrArchive = 0x20, kAttrNormal = 0x80,
                   kAttrSparse = 0x200, kAttrReparse = 0x400;

}  // namespace cifsd::smb2
