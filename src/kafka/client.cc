#include "kafka/client.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/log.h"
#include "base/redact.h"
#include "kafka/internal.h"

namespace strait::kafka {
namespace {

using internal::ConfPtr;

// librdkafka passes our opaque only to some callbacks; the log callback gets the handle.
Client* FromHandle(const rd_kafka_t* rk) { return static_cast<Client*>(rd_kafka_opaque(rk)); }

Result<ConfPtr> BuildConf(const Properties& properties) {
  ConfPtr conf(rd_kafka_conf_new());
  char err[512];
  for (const auto& [key, value] : properties) {
    if (IsStraitProperty(key)) continue;
    if (IsSecretKey(key)) RegisterSecret(value);
    if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), err, sizeof(err)) !=
        RD_KAFKA_CONF_OK) {
      std::string message = IsSecretKey(key) ? fmt::format("invalid value for property \"{}\"", key)
                                             : std::string(err);
      return Status(StatusCode::kInvalidArgument, Redact(message));
    }
  }
  return conf;
}

// Whether librdkafka will verify broker certificates, so that a failure can be explained.
bool VerifiesCertificates(const Identity& id, const Properties& properties) {
  if (id.protocol != "ssl" && id.protocol != "sasl_ssl") return false;
  for (const auto& [k, v] : properties) {
    if (k == "enable.ssl.certificate.verification" && (v == "false" || v == "0")) return false;
  }
  return true;
}

// A TLS failure: of the handshake (__SSL), or a TLS alert the broker sent once the handshake
// was over (TLS 1.3 reports a refused client certificate that way, as a transport error).
bool IsTlsProblem(rd_kafka_resp_err_t err, std::string_view reason) {
  return err == RD_KAFKA_RESP_ERR__SSL || (err == RD_KAFKA_RESP_ERR__TRANSPORT &&
                                           reason.find("SSL alert") != std::string_view::npos);
}

// Login and TLS failures: what the operator must fix before strait gets in.
bool IsConnectionProblem(rd_kafka_resp_err_t err, std::string_view reason) {
  return err == RD_KAFKA_RESP_ERR__AUTHENTICATION ||
         err == RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED || IsTlsProblem(err, reason);
}

std::string StatisticsFile(const Properties& properties) {
  std::string path;
  for (const auto& [key, value] : properties) {
    if (key == kStatisticsFileProperty) path = value;  // the last one wins, as in librdkafka
  }
  return path;
}

}  // namespace

std::string LibraryVersion() { return rd_kafka_version_str(); }

Status ValidateProperties(const Properties& properties, bool consumer) {
  (void)consumer;
  return BuildConf(properties).status();
}

Client::Client(std::string name, LogSink sink)
    : name_(std::move(name)), log_sink_(std::move(sink)) {}

Client::~Client() {
  if (handle_ != nullptr) rd_kafka_destroy(handle_);
  if (statistics_fd_ >= 0) close(statistics_fd_);
}

Status Client::Init(Type type, const Properties& properties,
                    const std::function<Status(void* conf)>& configure) {
  identity_ = IdentityOf(properties);
  STRAIT_ASSIGN_OR_RETURN(ConfPtr conf, BuildConf(properties));
  rd_kafka_conf_set_opaque(conf.get(), this);
  rd_kafka_conf_set_log_cb(conf.get(), &Client::OnLog);
  rd_kafka_conf_set_error_cb(conf.get(), &Client::OnError);
  if (VerifiesCertificates(identity_, properties)) {
    rd_kafka_conf_set_ssl_cert_verify_cb(conf.get(), &Client::OnVerifyCertificate);
  }
  if (const std::string path = StatisticsFile(properties); !path.empty()) {
    // O_APPEND: every client of a process may share one file, each line written whole.
    statistics_fd_ = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (statistics_fd_ < 0) {
      return InvalidArgument(
          fmt::format("{} {}: {}", kStatisticsFileProperty, path, std::strerror(errno)));
    }
    rd_kafka_conf_set_stats_cb(conf.get(), &Client::OnStatistics);
  }
  if (configure) STRAIT_RETURN_IF_ERROR(configure(conf.get()));
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type == Type::kConsumer ? RD_KAFKA_CONSUMER : RD_KAFKA_PRODUCER,
                                conf.get(), err, sizeof(err));
  if (rk == nullptr) {
    return Status(StatusCode::kInvalidArgument,
                  Redact(fmt::format("creating Kafka client {}: {}", name_, err)));
  }
  static_cast<void>(conf.release());  // rd_kafka_new took it
  handle_ = rk;
  return Status::Ok();
}

namespace {

// librdkafka repeats a refused certificate or login at every reconnect; strait reports the
// cause itself (Client::ConnectionProblem), once, in words that say what to fix.
bool ReportedByStrait(std::string_view facility, std::string_view message) {
  if (facility == "SSLCERTVRFY") return true;
  return facility == "FAIL" &&
         (message.find("SSL handshake failed") != std::string_view::npos ||
          message.find("SASL authentication error") != std::string_view::npos);
}

}  // namespace

void Client::OnLog(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  Client* self = FromHandle(rk);
  if (self != nullptr && self->log_sink_) {
    self->log_sink_(level, fac, buf);
    return;
  }
  log::Level l = level <= 3   ? log::Level::kError
                 : level == 4 ? log::Level::kWarn
                 : level <= 6 ? log::Level::kInfo
                              : log::Level::kDebug;
  if (ReportedByStrait(fac, buf)) l = log::Level::kDebug;
  log::Write(l, "librdkafka", buf,
             {{"client", self != nullptr ? self->name_ : rd_kafka_name(rk)}, {"facility", fac}});
}

void Client::OnError(rd_kafka_t* rk, int err, const char* reason, void* /*opaque*/) {
  Client* self = FromHandle(rk);
  auto code = static_cast<rd_kafka_resp_err_t>(err);
  Status s = internal::FromErrorCode(code, self != nullptr ? self->name_ : "", reason);
  bool problem = IsConnectionProblem(code, reason != nullptr ? reason : "");
  if (self != nullptr && problem) self->SetConnectionProblem(err, reason);
  // A refused or broken connection was already logged by librdkafka itself; a refused login
  // or handshake is reported by the client's owner (ConnectionProblem), once.
  bool quiet = code == RD_KAFKA_RESP_ERR__TRANSPORT ||
               code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || problem;
  log::Write(quiet ? log::Level::kDebug : log::Level::kWarn, "kafka", "client error",
             {{"client", self ? self->name_ : ""}, {"error", s.message()}});
  if (self != nullptr) self->SetClientError(std::move(s));
}

int Client::OnStatistics(rd_kafka_t* /*rk*/, char* json, size_t length, void* opaque) {
  auto* self = static_cast<Client*>(opaque);
  char newline = '\n';
  iovec parts[] = {{json, length}, {&newline, 1}};
  // One writev: lines of clients sharing the file never interleave. A failed write loses
  // one sample of a measurement, nothing else.
  static_cast<void>(writev(self->statistics_fd_, parts, 2));
  return 0;  // librdkafka frees `json`
}

int Client::OnVerifyCertificate(rd_kafka_t* /*rk*/, const char* broker_name, int32_t /*broker_id*/,
                                int* x509_error, int depth, const char* buf, size_t size,
                                char* errstr, size_t errstr_size, void* opaque) {
  // Keeps OpenSSL's verdict; only says in words why a certificate was refused.
  if (*x509_error == 0) return 1;
  auto* self = static_cast<Client*>(opaque);
  CertificateFailure failure = ReadCertificateFailure(*x509_error, depth, broker_name, buf, size);
  std::string message = ExplainCertificateFailure(failure, self->identity_);
  std::snprintf(errstr, errstr_size, "%s", message.c_str());
  std::lock_guard lock(self->mu_);
  self->connection_problem_ = Status(StatusCode::kUnavailable, message, Retriable::kYes);
  return 0;
}

bool Client::SetConnectionProblem(int err, std::string_view reason) {
  auto code = static_cast<rd_kafka_resp_err_t>(err);
  bool tls = IsTlsProblem(code, reason);
  Status problem =
      tls ? Status(StatusCode::kUnavailable, ExplainTlsFailure(reason, identity_), Retriable::kYes)
          : Status(StatusCode::kPermissionDenied, ExplainAuthenticationFailure(reason, identity_),
                   Retriable::kYes);
  std::lock_guard lock(mu_);
  // A refused certificate fails the handshake too; the verification said it better.
  bool verified = connection_problem_.message().starts_with("TLS: the certificate") ||
                  connection_problem_.message().starts_with("TLS: a CA certificate");
  if (tls && verified) return false;
  if (problem.message() == connection_problem_.message()) return false;
  connection_problem_ = std::move(problem);
  return true;
}

Status Client::ConnectionProblem() {
  ServeErrors();
  std::lock_guard lock(mu_);
  return connection_problem_;
}

Status Client::Explain(Status s) {
  if (s.code() != StatusCode::kUnavailable && s.code() != StatusCode::kTimeout) return s;
  Status problem = ConnectionProblem();
  return problem.ok() ? s : problem;
}

void Client::SetClientError(Status s) {
  std::lock_guard lock(mu_);
  // A broker answered: whatever kept this client out is over.
  if (s.ok()) connection_problem_ = Status::Ok();
  last_client_error_ = std::move(s);
}

Status Client::LastClientError() const {
  std::lock_guard lock(mu_);
  return last_client_error_;
}

Result<ClusterMetadata> Client::Metadata(milliseconds timeout, const std::string& topic) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_topic_t* rkt = nullptr;
  if (!topic.empty()) rkt = rd_kafka_topic_new(handle_, topic.c_str(), nullptr);
  rd_kafka_resp_err_t err = rd_kafka_metadata(handle_, topic.empty() ? 1 : 0, rkt, &md,
                                              static_cast<int>(timeout.count()));
  if (rkt != nullptr) rd_kafka_topic_destroy(rkt);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    Status s = internal::FromErrorCode(err, fmt::format("reading metadata from {}", name_));
    return Explain(s.code() == StatusCode::kTimeout ? Unavailable(s.message()) : s);
  }
  internal::MetadataPtr owned(md);
  SetClientError(Status::Ok());
  ClusterMetadata out;
  out.origin_broker_id = md->orig_broker_id;
  for (int i = 0; i < md->broker_cnt; ++i) {
    out.brokers.push_back({md->brokers[i].id, md->brokers[i].host, md->brokers[i].port});
  }
  for (int i = 0; i < md->topic_cnt; ++i) {
    const rd_kafka_metadata_topic& t = md->topics[i];
    TopicInfo info;
    info.name = t.topic;
    info.error = internal::FromAccessError(
        t.err, identity_, {AclOperation::kDescribe, AclResourceType::kTopic, t.topic},
        fmt::format("topic {}", t.topic));
    for (int p = 0; p < t.partition_cnt; ++p) {
      const rd_kafka_metadata_partition& mp = t.partitions[p];
      PartitionInfo pi;
      pi.id = mp.id;
      pi.leader = mp.leader;
      pi.replicas.assign(mp.replicas, mp.replicas + mp.replica_cnt);
      pi.isr.assign(mp.isrs, mp.isrs + mp.isr_cnt);
      pi.error = internal::FromErrorCode(mp.err, fmt::format("{}[{}]", t.topic, mp.id));
      info.partitions.push_back(std::move(pi));
    }
    std::sort(info.partitions.begin(), info.partitions.end(),
              [](const PartitionInfo& a, const PartitionInfo& b) { return a.id < b.id; });
    out.topics.push_back(std::move(info));
  }
  out.controller_id = rd_kafka_controllerid(handle_, 0);
  return out;
}

Result<std::string> Client::ClusterId(milliseconds timeout) {
  char* id = rd_kafka_clusterid(handle_, static_cast<int>(timeout.count()));
  if (id == nullptr) {
    return Explain(Unavailable(fmt::format("{}: no broker answered with a cluster id within {} ms",
                                           name_, timeout.count())));
  }
  SetClientError(Status::Ok());
  std::string out(id);
  rd_kafka_mem_free(handle_, id);
  return out;
}

Result<Watermarks> Client::QueryWatermarks(const std::string& topic, int32_t partition,
                                           milliseconds timeout) {
  Watermarks w;
  rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
      handle_, topic.c_str(), partition, &w.low, &w.high, static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Explain(internal::FromAccessError(
        err, identity_, {AclOperation::kDescribe, AclResourceType::kTopic, topic},
        fmt::format("watermarks of {}[{}]", topic, partition)));
  }
  return w;
}

Result<std::vector<TopicPartitionOffset>> Client::OffsetsForTimes(
    const std::vector<TopicPartitionOffset>& timestamps, milliseconds timeout) {
  internal::PartitionListPtr list = internal::ToPartitionList(timestamps);
  rd_kafka_resp_err_t err =
      rd_kafka_offsets_for_times(handle_, list.get(), static_cast<int>(timeout.count()));
  // A broker's error (positive codes: no leader yet for a partition just created) fails the
  // whole call, though the other partitions have their answers: those are kept, and the
  // partitions without one get the error. A local error (timeout, no broker) fails it all.
  if (err < RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Explain(internal::FromErrorCode(err, "looking up offsets by timestamp"));
  }
  std::vector<TopicPartitionOffset> out = internal::FromPartitionList(list.get());
  for (size_t i = 0; i < out.size(); ++i) {
    rd_kafka_resp_err_t e = list->elems[i].err;
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_NO_ERROR &&
        out[i].offset == timestamps[i].offset) {
      e = err;  // not answered: still the timestamp it was asked with
    }
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      out[i].error = internal::FromAccessError(
          e, identity_, {AclOperation::kDescribe, AclResourceType::kTopic, out[i].topic},
          fmt::format("{}[{}]", out[i].topic, out[i].partition));
    }
  }
  return out;
}

}  // namespace strait::kafka
