#pragma once
#include <cstdint>

namespace cifsd {

using NtStatus = uint32_t;

namespace status {
constexpr NtStatus kSuccess = 0x00000000;
constexpr NtStatus kPending = 0x00000103;
constexpr NtStatus kNotifyCleanup = 0x0000010B;
constexpr NtStatus kNotifyEnumDir = 0x0000010C;
constexpr NtStatus kBufferOverflow = 0x80000005;
constexpr NtStatus kNoMoreFiles = 0x80000006;
constexpr NtStatus kUnsuccessful = 0xC0000001;
constexpr NtStatus kNotImplemented = 0xC0000002;
constexpr NtStatus kInvalidInfoClass = 0xC0000003;
constexpr NtStatus kInfoLengthMismatch = 0xC0000004;
constexpr NtStatus kInvalidHandle = 0xC0000008;
constexpr NtStatus kInvalidParameter = 0xC000000D;
constexpr NtStatus kNoSuchDevice = 0xC000000E;
constexpr NtStatus kNoSuchFile = 0xC000000F;
constexpr NtStatus kInvalidDeviceRequest = 0xC0000010;
constexpr NtStatus kEndOfFile = 0xC0000011;
constexpr NtStatus kMoreProcessingRequired = 0xC0000016;
constexpr NtStatus kNoMemory = 0xC0000017;
constexpr NtStatus kAccessDenied = 0xC0000022;
constexpr NtStatus kBufferTooSmall = 0xC0000023;
constexpr NtStatus kObjectNameInvalid = 0xC0000033;
constexpr NtStatus kObjectNameNotFound = 0xC0000034;
constexpr NtStatus kObjectNameCollision = 0xC0000035;
constexpr NtStatus kObjectPathInvalid = 0xC0000039;
constexpr NtStatus kObjectPathNotFound = 0xC000003A;
constexpr NtStatus kObjectPathSyntaxBad = 0xC000003B;
constexpr NtStatus kSharingViolation = 0xC0000043;
constexpr NtStatus kEaTooLarge = 0xC0000050;
constexpr NtStatus kLockNotGranted = 0xC0000055;
constexpr NtStatus kDeletePending = 0xC0000056;
constexpr NtStatus kPrivilegeNotHeld = 0xC0000061;
constexpr NtStatus kLogonFailure = 0xC000006D;
constexpr NtStatus kAccountRestriction = 0xC000006E;
constexpr NtStatus kPasswordExpired = 0xC0000071;
constexpr NtStatus kAccountDisabled = 0xC0000072;
constexpr NtStatus kNoneMapped = 0xC0000073;
constexpr NtStatus kRangeNotLocked = 0xC000007E;
constexpr NtStatus kDiskFull = 0xC000007F;
constexpr NtStatus kInsufficientResources = 0xC000009A;
constexpr NtStatus kDataError = 0xC000009C;
constexpr NtStatus kUnexpectedIoError = 0xC00000E9;  // EIO from storage
constexpr NtStatus kFileIsADirectory = 0xC00000BA;
constexpr NtStatus kNotSupported = 0xC00000BB;
constexpr NtStatus kNetworkNameDeleted = 0xC00000C9;
constexpr NtStatus kNetworkAccessDenied = 0xC00000CA;
constexpr NtStatus kBadNetworkName = 0xC00000CC;
constexpr NtStatus kRequestNotAccepted = 0xC00000D0;
constexpr NtStatus kPipeNotAvailable = 0xC00000AC;
constexpr NtStatus kInvalidPipeState = 0xC00000AD;
constexpr NtStatus kPipeBusy = 0xC00000AE;
constexpr NtStatus kPipeDisconnected = 0xC00000B0;
constexpr NtStatus kPipeClosing = 0xC00000B1;
constexpr NtStatus kPipeEmpty = 0xC00000D9;
constexpr NtStatus kInternalError = 0xC00000E5;
constexpr NtStatus kDirectoryNotEmpty = 0xC0000101;
constexpr NtStatus kNotADirectory = 0xC0000103;
constexpr NtStatus kNameTooLong = 0xC0000106;
constexpr NtStatus kCancelled = 0xC0000120;
constexpr NtStatus kCannotDelete = 0xC0000121;
constexpr NtStatus kFileClosed = 0xC0000128;
constexpr NtStatus kInvalidLevel = 0xC0000148;
constexpr NtStatus kPipeBroken = 0xC000014B;
constexpr NtStatus kTooManyOpenedFiles = 0xC000011F;
constexpr NtStatus kUserSessionDeleted = 0xC0000203;
constexpr NtStatus kRequestAborted = 0xC0000240;
constexpr NtStatus kNotFound = 0xC0000225;
constexpr NtStatus kStoppedOnSymlink = 0x80000011;
constexpr NtStatus kFsDriverRequired = 0xC000019C;
constexpr NtStatus kNetworkSessionExpired = 0xC000035C;
constexpr NtStatus kFileNotAvailable = 0xC0000467;
constexpr NtStatus kSmbBadTid = 0x00050002;
constexpr NtStatus kUserSessionNotFound = kUserSessionDeleted;
constexpr NtStatus kInvalidNetworkResponse = 0xC00000C3;
constexpr NtStatus kConnectionDisconnected = 0xC000020C;
constexpr NtStatus kInvalidDeviceState = 0xC0000184;
constexpr NtStatus kIoTimeout = 0xC00000B5;
constexpr NtStatus kTooManySessions = 0xC00000CE;
constexpr NtStatus kRequestOutOfSequence = 0xC000042A;
constexpr NtStatus kMediaWriteProtected = 0xC00000A2;
constexpr NtStatus kFileLockConflict = 0xC0000054;
constexpr NtStatus kNotSameDevice = 0xC00000D4;
constexpr NtStatus kFileRenamed = 0xC00000D5;
constexpr NtStatus kNotLocked = 0xC000002A;
}  // namespace status

// Maps errno from a file-system call to the status a Windows server gives.
NtStatus status_from_errno(int err);

}  // namespace cifsd
