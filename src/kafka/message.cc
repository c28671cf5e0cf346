#include "kafka/message.h"

#include <fmt/format.h>

#include <charconv>

#include "kafka/internal.h"

namespace strait::kafka {

Headers::Headers() : headers_(rd_kafka_headers_new(4)) {}
Headers::~Headers() {
  if (headers_ != nullptr) rd_kafka_headers_destroy(headers_);
}
Headers::Headers(Headers&& other) noexcept : headers_(other.headers_) { other.headers_ = nullptr; }
Headers& Headers::operator=(Headers&& other) noexcept {
  if (this != &other) {
    if (headers_ != nullptr) rd_kafka_headers_destroy(headers_);
    headers_ = other.headers_;
    other.headers_ = nullptr;
  }
  return *this;
}

void Headers::Add(std::string_view name, std::optional<std::string_view> value) {
  if (headers_ == nullptr) headers_ = rd_kafka_headers_new(4);
  rd_kafka_header_add(headers_, name.data(), static_cast<ssize_t>(name.size()),
                      value ? value->data() : nullptr,
                      value ? static_cast<ssize_t>(value->size()) : 0);
}

size_t Headers::size() const { return headers_ == nullptr ? 0 : rd_kafka_header_cnt(headers_); }

rd_kafka_headers_t* Headers::Release() {
  rd_kafka_headers_t* out = headers_;
  headers_ = nullptr;
  return out;
}

void Headers::Adopt(rd_kafka_headers_t* headers) {
  if (headers_ != nullptr) rd_kafka_headers_destroy(headers_);
  headers_ = headers;
}

Message::~Message() {
  if (raw_ != nullptr) rd_kafka_message_destroy(raw_);
}

Message& Message::operator=(Message&& other) noexcept {
  if (this != &other) {
    if (raw_ != nullptr) rd_kafka_message_destroy(raw_);
    raw_ = other.raw_;
    identity_ = other.identity_;
    other.raw_ = nullptr;
  }
  return *this;
}

Status Message::error() const {
  if (raw_->err == RD_KAFKA_RESP_ERR_NO_ERROR || raw_->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
    return Status::Ok();
  }
  std::string detail;
  if (raw_->payload != nullptr) detail.assign(static_cast<const char*>(raw_->payload), raw_->len);
  std::string where =
      raw_->rkt != nullptr ? fmt::format("{}[{}]", topic(), raw_->partition) : std::string();
  if (identity_ != nullptr && raw_->rkt != nullptr) {
    return internal::FromAccessError(
        raw_->err, *identity_, {AclOperation::kRead, AclResourceType::kTopic, std::string(topic())},
        where, detail);
  }
  return internal::FromErrorCode(raw_->err, where, detail);
}

bool Message::is_partition_eof() const { return raw_->err == RD_KAFKA_RESP_ERR__PARTITION_EOF; }

bool Message::is_offset_out_of_range() const {
  return raw_->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE ||
         raw_->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET;
}

std::optional<LogTruncation> Message::log_truncation() const {
  if (raw_->err == RD_KAFKA_RESP_ERR__LOG_TRUNCATION) {
    return ParseLogTruncation(rd_kafka_err2str(raw_->err));  // a later librdkafka, maybe
  }
  if (raw_->err != RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET || raw_->payload == nullptr) {
    return std::nullopt;
  }
  return ParseLogTruncation(std::string_view(static_cast<const char*>(raw_->payload), raw_->len));
}

// Defensive on purpose: the text is librdkafka's, not an interface. Anything that names a
// truncation but not, in the one form known, where it starts gives a truncation without a
// point, which the caller must not guess.
std::optional<LogTruncation> ParseLogTruncation(std::string_view text) {
  if (text.find("log truncation detected") == std::string_view::npos) return std::nullopt;
  LogTruncation out;
  constexpr std::string_view kDetected = "Partition log truncation detected at offset ";
  constexpr std::string_view kEnd = ": broker end offset is ";
  if (text.rfind(kDetected, 0) != 0) return out;
  const size_t end = text.find(kEnd);
  if (end == std::string_view::npos || text.find(kEnd, end + 1) != std::string_view::npos) {
    return out;
  }
  const char* first = text.data() + end + kEnd.size();
  const char* last = text.data() + text.size();
  int64_t offset = -1;
  auto [ptr, ec] = std::from_chars(first, last, offset);
  if (ec != std::errc() || ptr == first || offset < 0 || (ptr != last && *ptr != ' ')) return out;
  out.diverges_at = offset;
  return out;
}

std::string_view Message::topic() const {
  return raw_->rkt != nullptr ? rd_kafka_topic_name(raw_->rkt) : std::string_view();
}
const void* Message::topic_handle() const { return raw_->rkt; }
int32_t Message::partition() const { return raw_->partition; }
int64_t Message::offset() const { return raw_->offset; }

std::optional<std::string_view> Message::key() const {
  if (raw_->key == nullptr) return std::nullopt;
  return std::string_view(static_cast<const char*>(raw_->key), raw_->key_len);
}

std::optional<std::string_view> Message::value() const {
  if (raw_->payload == nullptr) return std::nullopt;
  return std::string_view(static_cast<const char*>(raw_->payload), raw_->len);
}

int64_t Message::timestamp_ms() const {
  rd_kafka_timestamp_type_t type;
  return rd_kafka_message_timestamp(raw_, &type);
}

TimestampType Message::timestamp_type() const {
  rd_kafka_timestamp_type_t type;
  rd_kafka_message_timestamp(raw_, &type);
  switch (type) {
    case RD_KAFKA_TIMESTAMP_CREATE_TIME:
      return TimestampType::kCreateTime;
    case RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME:
      return TimestampType::kLogAppendTime;
    default:
      return TimestampType::kNone;
  }
}

std::vector<HeaderView> Message::headers() const {
  std::vector<HeaderView> out;
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(raw_, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
  const char* name;
  const void* value;
  size_t size;
  for (size_t i = 0;
       rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
    HeaderView h{name, std::nullopt};
    if (value != nullptr) h.value = std::string_view(static_cast<const char*>(value), size);
    out.push_back(h);
  }
  return out;
}

void Message::CopyHeadersTo(Headers* out) const {
  for (const HeaderView& h : headers()) out->Add(h.name, h.value);
}

size_t Message::size_bytes(const std::vector<HeaderView>& headers) const {
  size_t n = raw_->len + raw_->key_len;
  for (const HeaderView& h : headers) n += h.name.size() + (h.value ? h.value->size() : 0);
  return n;
}

}  // namespace strait::kafka
