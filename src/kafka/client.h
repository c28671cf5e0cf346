// The part every Kafka client handle shares: construction from properties, log routing,
// cluster metadata and offset queries.
//
// A Client owns one librdkafka handle. librdkafka runs its own network threads; the methods
// here are thread-safe (librdkafka's handle is), and blocking ones take a timeout.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "kafka/security.h"
#include "kafka/types.h"

struct rd_kafka_s;

namespace strait::kafka {

using std::chrono::milliseconds;

// Receives every line librdkafka logs: syslog level (0..7), facility, message.
using LogSink = std::function<void(int level, std::string_view facility, std::string_view message)>;

struct ClientOptions {
  std::string name;  // shown in logs, e.g. "dc1/source-consumer"
  // librdkafka properties; the caller's keys win over strait's defaults. strait's own
  // "strait.*" properties (security.h) are read here and not passed on.
  Properties properties;
  LogSink log_sink;  // default: strait's log, component=librdkafka
};

// The version of the librdkafka strait runs with, e.g. "2.15.1".
std::string LibraryVersion();

// Validates client properties without connecting: unknown keys, bad values. Error messages
// never contain secret values. strait's own "strait.*" properties are not checked.
Status ValidateProperties(const Properties& properties, bool consumer);

class Client {
 public:
  virtual ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const std::string& name() const { return name_; }
  // The cluster this client talks to and the principal it is there.
  const Identity& identity() const { return identity_; }

  // Metadata for all topics (topic empty) or one topic.
  Result<ClusterMetadata> Metadata(milliseconds timeout, const std::string& topic = "");
  Result<std::string> ClusterId(milliseconds timeout);
  // Asks the partition leader for its log start offset and high watermark.
  Result<Watermarks> QueryWatermarks(const std::string& topic, int32_t partition,
                                     milliseconds timeout);
  // For each partition, the first offset whose timestamp is >= the given offset field (ms).
  Result<std::vector<TopicPartitionOffset>> OffsetsForTimes(
      const std::vector<TopicPartitionOffset>& timestamps, milliseconds timeout);

  // The last client-wide error librdkafka reported (all brokers down, authentication,
  // a fatal error), or OK once a broker answered again.
  Status LastClientError() const;
  // Why brokers are refusing this client, when they are: a broker certificate that failed
  // verification, a failed login, a failed TLS handshake. OK when nothing like that happened
  // since a broker last answered.
  Status ConnectionProblem();
  // A timeout or an unreachable cluster, explained by the connection problem when there is one.
  Status Explain(Status s);

 protected:
  enum class Type { kProducer, kConsumer };
  Client(std::string name, LogSink sink);
  // Builds the handle; `configure` may install more callbacks on the librdkafka conf.
  Status Init(Type type, const Properties& properties,
              const std::function<Status(void* conf)>& configure = {});
  rd_kafka_s* handle() const { return handle_; }
  void SetClientError(Status s);
  // Records what librdkafka said about a failed login or TLS handshake (kafka/ internal);
  // true when that is news.
  bool SetConnectionProblem(int err, std::string_view reason);
  // Delivers librdkafka's queued error events to OnError; only handles nobody polls need it.
  virtual void ServeErrors() {}

 private:
  static void OnLog(const rd_kafka_s* rk, int level, const char* fac, const char* buf);
  static void OnError(rd_kafka_s* rk, int err, const char* reason, void* opaque);
  static int OnStatistics(rd_kafka_s* rk, char* json, size_t length, void* opaque);
  static int OnVerifyCertificate(rd_kafka_s* rk, const char* broker_name, int32_t broker_id,
                                 int* x509_error, int depth, const char* buf, size_t size,
                                 char* errstr, size_t errstr_size, void* opaque);

  std::string name_;
  LogSink log_sink_;
  Identity identity_;  // set by Init, read-only afterwards
  rd_kafka_s* handle_ = nullptr;
  // strait.statistics.file: where librdkafka's statistics JSON goes, one line per interval.
  int statistics_fd_ = -1;
  mutable std::mutex mu_;
  Status last_client_error_;   // guarded by mu_
  Status connection_problem_;  // guarded by mu_
};

}  // namespace strait::kafka
