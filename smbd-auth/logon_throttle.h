#pragma once
// The authentication rate limiter of smbd-auth: after a failed logon the
// answer is held back, and how long grows with the recent failures of the
// client's *address* and of the *account* it tried, not only of its
// connection (in the spirit of Windows Server 2025's SMB authentication rate
// limiter). A single smbd-auth serves every connection, so this is the one
// place that sees an attacker who spreads guesses over many connections, or
// many addresses guessing one account.
//
// Policy (pure; the caller passes the clock, so tests inject time):
//  - each key (address, account) has a failure level that halves every
//    kHalfLifeMs without failures, and grows by one per failure;
//  - a failure costs delay(level) = kBaseDelayMs * 2^(level-1), capped at
//    kMaxDelayMs, using the larger of the address's and the account's levels;
//  - failures of one key are *serialised*: each one is released no earlier
//    than the previous release of the same address or account plus its own
//    delay, so opening more connections does not buy more guesses per second;
//  - no answer is held longer than kMaxHoldMs from now (the session gives up
//    on the auth call after 10 s), which bounds the rate at
//    (connections allowed per address) / kMaxHoldMs in the worst case;
//  - successful logons are never delayed and do not reset anything (an
//    attacker with one valid account must not be able to clear its address);
//  - both tables are bounded (kMaxEntries each): idle entries are dropped
//    first, then the entry with the lowest decayed level, so a flood of fresh
//    names or addresses cannot evict the keys actually under attack;
//  - IPv6 addresses are keyed by their /64 prefix (one host usually owns the
//    whole prefix); IPv4 and IPv4-mapped addresses by the full address.
// Answers are deferred by the caller's poll loop, never slept on, so other
// clients are not slowed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace cifsd::auth {

class LogonThrottle {
 public:
  static constexpr uint32_t kBaseDelayMs = 250;
  static constexpr uint32_t kMaxDelayMs = 4000;
  static constexpr uint32_t kMaxHoldMs = 8000;
  static constexpr int64_t kHalfLifeMs = 60000;
  static constexpr size_t kMaxEntries = 4096;

  // Records a failed logon of `account` (as the client sent it; may be empty)
  // from `address` at `now_ms`. Returns the time (ms, same clock) at which the
  // failure answer may be sent; >= now_ms.
  int64_t on_failure(std::string_view address, std::string_view account, int64_t now_ms);

  // Current (decayed) levels, for tests and logs.
  double address_level(std::string_view address, int64_t now_ms) const;
  double account_level(std::string_view account, int64_t now_ms) const;
  // Drops entries that have decayed to nothing. Called periodically.
  void expire(int64_t now_ms);
  size_t address_entries() const { return by_address_.size(); }
  size_t account_entries() const { return by_account_.size(); }

  // delay(level) of the policy above, exposed for tests.
  static uint32_t delay_for(double level);
  // The table keys: /64 for IPv6, lower-case (ASCII, like the password
  // database's lookup) for account names.
  static std::string address_key(std::string_view address);
  static std::string account_key(std::string_view account);

 private:
  struct Entry {
    double level = 0;
    int64_t last_ms = 0;       // time of `level`
    int64_t next_free_ms = 0;  // release time of the last failure held
  };
  using Table = std::unordered_map<std::string, Entry>;
  static double decayed(const Entry& e, int64_t now_ms);
  static Entry& slot(Table& t, const std::string& key, int64_t now_ms);
  static void expire_table(Table& t, int64_t now_ms);

  Table by_address_;
  Table by_account_;
};

}  // namespace cifsd::auth
