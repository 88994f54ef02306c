#pragma once
// The password database cifsdpwd.db (ksmbd's ksmbdpwd.db format): one
//   name:base64(16-byte NT hash)
// line per user. Names are unique case-insensitively. Loading is strict per
// line: a bad line is skipped with a warning naming it, never fatal. Saving
// writes a 0600 temporary file in the same directory, fsyncs it and renames it
// over the old file, so a crash leaves either the old or the new database.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/secret.h"

namespace cifsd::auth {

struct PassdbEntry {
  std::string name;
  crypto::SecretArray<16> nthash;
};

class Passdb {
 public:
  // Parses database text; bad lines are reported in *warnings (line number and
  // reason, never the line's content, which holds a hash).
  static Passdb parse(std::string_view text, std::vector<std::string>* warnings);
  // Loads a file. A missing file is an empty database (returns true);
  // an unreadable one returns false with *error set.
  bool load(const std::string& path, std::vector<std::string>* warnings, std::string* error);
  bool save(const std::string& path, std::string* error) const;
  std::string serialize() const;

  const PassdbEntry* find(std::string_view name) const;
  // Adds or replaces (keeping the stored spelling of an existing name).
  void set(std::string_view name, const crypto::SecretArray<16>& nthash);
  bool remove(std::string_view name);
  size_t size() const { return entries_.size(); }
  const std::vector<PassdbEntry>& entries() const { return entries_; }

  // A name is storable if it is non-empty, at most 256 bytes, and holds no
  // ':' , control characters or '/'.
  static bool valid_name(std::string_view name);

 private:
  std::vector<PassdbEntry> entries_;
};

}  // namespace cifsd::auth
