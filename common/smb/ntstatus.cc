#include "common/smb/ntstatus.h"

#include <cerrno>

namespace cifsd {

NtStatus status_from_errno(int err) {
  switch (err) {
    case 0: return status::kSuccess;
    case ENOENT: return status::kObjectNameNotFound;
    case ENOTDIR: return status::kObjectPathNotFound;
    case EACCES: case EPERM: case EROFS: return status::kAccessDenied;
    case EEXIST: return status::kObjectNameCollision;
    case ENOTEMPTY: return status::kDirectoryNotEmpty;
    case EISDIR: return status::kFileIsADirectory;
    case ENOSPC: case EDQUOT: return status::kDiskFull;
    case ENOMEM: return status::kNoMemory;
    case EMFILE: case ENFILE: return status::kTooManyOpenedFiles;
    case ENAMETOOLONG: return status::kNameTooLong;
    case EXDEV: return status::kNotSameDevice;
    case ELOOP: return status::kAccessDenied;  // a symlink the share does not follow
    case EINVAL: return status::kInvalidParameter;
    case EBADF: return status::kInvalidHandle;
    case EBUSY: case ETXTBSY: return status::kSharingViolation;
    case EIO: return status::kUnexpectedIoError;  // as Windows for a failing device
    case EOPNOTSUPP: return status::kNotSupported;
    case EFBIG: return status::kDiskFull;
  }
  return status::kUnsuccessful;
}

}  // namespace cifsd
