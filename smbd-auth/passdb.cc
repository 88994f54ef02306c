#include "smbd-auth/passdb.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <strings.h>

#include "common/util/unique_fd.h"

namespace cifsd::auth {

namespace {

bool decode_hash(std::string_view b64, crypto::SecretArray<16>* out) {
  // 16 bytes encode to exactly 24 characters ending in "==".
  if (b64.size() != 24 || b64[22] != '=' || b64[23] != '=') return false;
  uint8_t buf[18];
  int n = EVP_DecodeBlock(buf, reinterpret_cast<const unsigned char*>(b64.data()), 24);
  bool ok = n == 18;
  if (ok) std::memcpy(out->data(), buf, 16);
  crypto::wipe(buf, sizeof(buf));
  return ok;
}

std::string encode_hash(const crypto::SecretArray<16>& h) {
  char buf[32] = {};
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(buf), h.data(), 16);
  std::string s(buf, size_t(n));
  crypto::wipe(buf, sizeof(buf));
  return s;
}

bool write_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += size_t(n);
  }
  return true;
}

}  // namespace

bool Passdb::valid_name(std::string_view name) {
  if (name.empty() || name.size() > 256) return false;
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f || c == ':' || c == '/') return false;
  return true;
}

Passdb Passdb::parse(std::string_view text, std::vector<std::string>* warnings) {
  Passdb db;
  size_t lineno = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    lineno++;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    auto warn = [&](const char* why) {
      if (warnings) warnings->push_back("line " + std::to_string(lineno) + ": " + why);
    };
    size_t colon = line.rfind(':');
    if (colon == std::string_view::npos) { warn("no ':' separator"); continue; }
    std::string_view name = line.substr(0, colon);
    if (!valid_name(name)) { warn("invalid user name"); continue; }
    PassdbEntry e;
    if (!decode_hash(line.substr(colon + 1), &e.nthash)) {
      warn("hash is not base64 of 16 bytes");
      continue;
    }
    if (db.find(name)) { warn("duplicate user name (first one kept)"); continue; }
    e.name = std::string(name);
    db.entries_.push_back(std::move(e));
  }
  return db;
}

bool Passdb::load(const std::string& path, std::vector<std::string>* warnings, std::string* error) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) {
    if (errno == ENOENT) { entries_.clear(); return true; }
    if (error) *error = path + ": " + std::strerror(errno);
    return false;
  }
  crypto::SecretString text;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      if (error) *error = path + ": " + std::strerror(errno);
      crypto::wipe(buf, sizeof(buf));
      return false;
    }
    if (n == 0) break;
    text.str().append(buf, size_t(n));
    // 16 MiB is far beyond any real database; refuse to be a memory sink.
    if (text.str().size() > (16u << 20)) {
      if (error) *error = path + ": file too large";
      crypto::wipe(buf, sizeof(buf));
      return false;
    }
  }
  crypto::wipe(buf, sizeof(buf));
  *this = parse(text.str(), warnings);
  return true;
}

std::string Passdb::serialize() const {
  std::string out;
  for (auto& e : entries_) {
    out += e.name;
    out += ':';
    std::string h = encode_hash(e.nthash);
    out += h;
    crypto::wipe(h);
    out += '\n';
  }
  return out;
}

bool Passdb::save(const std::string& path, std::string* error) const {
  auto fail = [&](const std::string& what) {
    if (error) *error = what + ": " + std::strerror(errno);
    return false;
  };
  std::string dir = ".";
  size_t slash = path.rfind('/');
  if (slash != std::string::npos) dir = slash == 0 ? "/" : path.substr(0, slash);
  std::string tmp = path + ".tmpXXXXXX";
  // mkostemp creates the file 0600 and O_EXCL, in the target's directory so
  // that rename() is atomic.
  UniqueFd fd(::mkostemp(tmp.data(), O_CLOEXEC));
  if (!fd) return fail(tmp);
  if (::fchmod(fd.get(), 0600) != 0) { int e = errno; ::unlink(tmp.c_str()); errno = e; return fail(tmp); }
  crypto::SecretString text(serialize());
  if (!write_all(fd.get(), text.str()) || ::fsync(fd.get()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    errno = e;
    return fail(tmp);
  }
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    errno = e;
    return fail(path);
  }
  // Make the rename itself durable.
  UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd) (void)::fsync(dfd.get());
  return true;
}

const PassdbEntry* Passdb::find(std::string_view name) const {
  for (auto& e : entries_)
    if (e.name.size() == name.size() && strncasecmp(e.name.data(), name.data(), name.size()) == 0)
      return &e;
  return nullptr;
}

void Passdb::set(std::string_view name, const crypto::SecretArray<16>& nthash) {
  for (auto& e : entries_)
    if (e.name.size() == name.size() && strncasecmp(e.name.data(), name.data(), name.size()) == 0) {
      e.nthash = nthash;
      return;
    }
  PassdbEntry e;
  e.name = std::string(name);
  e.nthash = nthash;
  entries_.push_back(std::move(e));
}

bool Passdb::remove(std::string_view name) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it)
    if (it->name.size() == name.size() &&
        strncasecmp(it->name.data(), name.data(), name.size()) == 0) {
      entries_.erase(it);
      return true;
    }
  return false;
}

}  // namespace cifsd::auth
