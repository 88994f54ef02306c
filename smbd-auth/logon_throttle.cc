#include "smbd-auth/logon_throttle.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>

namespace cifsd::auth {

namespace {
// Below this a key carries no weight any more and may be forgotten.
constexpr double kForgetLevel = 0.05;
}  // namespace

uint32_t LogonThrottle::delay_for(double level) {
  if (level < 1) level = 1;
  // 2^(level-1) without overflow: level is capped well before 32.
  double d = double(kBaseDelayMs) * std::exp2(std::min(level - 1, 16.0));
  return d >= kMaxDelayMs ? kMaxDelayMs : uint32_t(d);
}

std::string LogonThrottle::address_key(std::string_view address) {
  std::string a(address.substr(0, 64));
  in6_addr v6{};
  if (inet_pton(AF_INET6, a.c_str(), &v6) == 1) {
    bool v4_mapped = IN6_IS_ADDR_V4MAPPED(&v6);
    if (!v4_mapped) {
      // Keep the /64: the rest of the address is the host's to choose.
      for (int i = 8; i < 16; i++) v6.s6_addr[i] = 0;
      char buf[INET6_ADDRSTRLEN];
      if (inet_ntop(AF_INET6, &v6, buf, sizeof(buf))) return std::string(buf) + "/64";
    } else {
      char buf[INET_ADDRSTRLEN];
      if (inet_ntop(AF_INET, &v6.s6_addr[12], buf, sizeof(buf))) return buf;
    }
  }
  return a;
}

std::string LogonThrottle::account_key(std::string_view account) {
  std::string k(account.substr(0, 256));
  for (char& ch : k)
    if (ch >= 'A' && ch <= 'Z') ch = char(ch - 'A' + 'a');
  return k;
}

double LogonThrottle::decayed(const Entry& e, int64_t now_ms) {
  int64_t dt = now_ms - e.last_ms;
  if (dt <= 0) return e.level;
  return e.level * std::exp2(-double(dt) / double(kHalfLifeMs));
}

void LogonThrottle::expire_table(Table& t, int64_t now_ms) {
  for (auto it = t.begin(); it != t.end();) {
    if (decayed(it->second, now_ms) < kForgetLevel && it->second.next_free_ms <= now_ms)
      it = t.erase(it);
    else
      ++it;
  }
}

LogonThrottle::Entry& LogonThrottle::slot(Table& t, const std::string& key, int64_t now_ms) {
  auto it = t.find(key);
  if (it != t.end()) return it->second;
  if (t.size() >= kMaxEntries) {
    expire_table(t, now_ms);
    if (t.size() >= kMaxEntries) {
      // Evict the least loaded key: a flood of fresh keys (level 1 each)
      // cannot push out one that is really being attacked.
      auto victim = t.begin();
      double low = decayed(victim->second, now_ms);
      for (auto i = t.begin(); i != t.end(); ++i) {
        double l = decayed(i->second, now_ms);
        if (l < low) {
          low = l;
          victim = i;
        }
      }
      t.erase(victim);
    }
  }
  Entry& e = t[key];
  e.last_ms = now_ms;
  return e;
}

int64_t LogonThrottle::on_failure(std::string_view address, std::string_view account,
                                  int64_t now_ms) {
  Entry& a = slot(by_address_, address_key(address), now_ms);
  a.level = decayed(a, now_ms) + 1;
  a.last_ms = now_ms;
  int64_t start = std::max(now_ms, a.next_free_ms);
  uint32_t delay = delay_for(a.level);
  Entry* u = nullptr;
  if (!account.empty()) {
    u = &slot(by_account_, account_key(account), now_ms);
    u->level = decayed(*u, now_ms) + 1;
    u->last_ms = now_ms;
    start = std::max(start, u->next_free_ms);
    delay = std::max(delay, delay_for(u->level));
  }
  int64_t release = std::min(start + int64_t(delay), now_ms + int64_t(kMaxHoldMs));
  a.next_free_ms = std::max(a.next_free_ms, release);
  if (u) u->next_free_ms = std::max(u->next_free_ms, release);
  return release;
}

double LogonThrottle::address_level(std::string_view address, int64_t now_ms) const {
  auto it = by_address_.find(address_key(address));
  return it == by_address_.end() ? 0 : decayed(it->second, now_ms);
}

double LogonThrottle::account_level(std::string_view account, int64_t now_ms) const {
  auto it = by_account_.find(account_key(account));
  return it == by_account_.end() ? 0 : decayed(it->second, now_ms);
}

void LogonThrottle::expire(int64_t now_ms) {
  expire_table(by_address_, now_ms);
  expire_table(by_account_, now_ms);
}

}  // namespace cifsd::auth
