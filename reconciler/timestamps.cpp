#include "reconciler/timestamps.hpp"

namespace ipa {
namespace {

// Days from 1970-01-01 to a civil date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  // Exactly `digits` ASCII digits: no sign, no space.
  bool number(std::size_t digits, int& out) {
    if (text_.size() < digits) {
      return false;
    }
    out = 0;
    for (std::size_t i = 0; i < digits; ++i) {
      const char c = text_[i];
      if (c < '0' || c > '9') {
        return false;
      }
      out = out * 10 + (c - '0');
    }
    text_.remove_prefix(digits);
    return true;
  }
  bool take(char c) {
    if (!text_.empty() && text_.front() == c) {
      text_.remove_prefix(1);
      return true;
    }
    return false;
  }
  bool take_any(std::string_view set) {
    if (!text_.empty() && set.find(text_.front()) != std::string_view::npos) {
      text_.remove_prefix(1);
      return true;
    }
    return false;
  }
  // A fraction needs at least one digit, as fromisoformat wants.
  bool skip_digits() {
    std::size_t count = 0;
    while (!text_.empty() && text_.front() >= '0' && text_.front() <= '9') {
      text_.remove_prefix(1);
      ++count;
    }
    return count > 0;
  }
  bool done() const { return text_.empty(); }
  char peek() const { return text_.empty() ? '\0' : text_.front(); }

 private:
  std::string_view text_;
};

// Parses "Z" or "+HH:MM[:SS]"; nullopt offset for a naive time.
bool parse_offset(Cursor& cursor, std::optional<std::int64_t>& offset) {
  if (cursor.done()) {
    return true;
  }
  if (cursor.take('Z')) {
    offset = 0;
    return cursor.done();
  }
  const char sign = cursor.peek();
  if (!cursor.take_any("+-")) {
    return false;
  }
  int hours = 0;
  int minutes = 0;
  int seconds = 0;
  if (!cursor.number(2, hours) || !cursor.take(':') || !cursor.number(2, minutes)) {
    return false;
  }
  if (cursor.take(':') && !cursor.number(2, seconds)) {
    return false;
  }
  if (cursor.take('.') && !cursor.skip_digits()) {
    return false;
  }
  if (hours > 23 || minutes > 59 || seconds > 59) {
    return false;
  }
  const std::int64_t magnitude = std::int64_t{hours} * 3600 + std::int64_t{minutes} * 60 + seconds;
  offset = sign == '-' ? -magnitude : magnitude;
  return cursor.done();
}

}  // namespace

std::optional<std::int64_t> parse_iso8601_instant(std::string_view text, const Clock& clock) {
  Cursor cursor(text);
  int year = 0;
  int month = 0;
  int day = 0;
  if (!cursor.number(4, year) || !cursor.take('-') || !cursor.number(2, month) ||
      !cursor.take('-') || !cursor.number(2, day) || year < 1 || month < 1 || month > 12 ||
      day < 1 || day > days_in_month(year, month)) {
    return std::nullopt;
  }
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (cursor.take_any("T ")) {
    if (!cursor.number(2, hour)) {
      return std::nullopt;
    }
    if (cursor.take(':')) {
      if (!cursor.number(2, minute)) {
        return std::nullopt;
      }
      if (cursor.take(':')) {
        if (!cursor.number(2, second)) {
          return std::nullopt;
        }
        if (cursor.take('.') && !cursor.skip_digits()) {
          return std::nullopt;
        }
      }
    }
  }
  if (hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  std::optional<std::int64_t> offset;
  if (!parse_offset(cursor, offset)) {
    return std::nullopt;
  }
  const std::int64_t wall =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
      std::int64_t{hour} * 3600 + std::int64_t{minute} * 60 + second;
  if (offset) {
    return wall - *offset;
  }
  return clock.local_to_utc ? clock.local_to_utc(wall) : wall - clock.local_offset_seconds;
}

}  // namespace ipa
