// The ways of copying a fetched record batch into a produce request that the
// batch-forwarding micro-benchmark (batch_forward_bench.cc) compares; the design they
// inform is docs/design/batch-forwarding.md.
//
//   Forward                      header only: base offset, producer id, epoch, sequence,
//                                transactional bit, CRC. The records stay compressed.
//   ForwardWithMarkerBatch       Forward, and a second, one-record uncompressed batch that
//                                carries the provenance of the whole batch (a "side record").
//   ForwardWithFirstRecordHeader the provenance as a header on the batch's first record
//                                only: the rest is copied, but the whole batch must be
//                                decompressed and compressed again.
//   ForwardWithFirstBlockHeader  the same, decompressing and compressing only the lz4 block
//                                that holds the first record (Kafka's lz4 blocks are
//                                independent) and copying the other blocks as they are.
//   Reencode                     today's path in one process: decompress, decode every
//                                record, add the provenance header to each, encode,
//                                compress (what librdkafka's consumer and producer do around
//                                strait, without their allocation and queues).
//
// A Forwarder owns its buffers and producer ids; one thread at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "record_batch.h"

namespace strait::bench {

class Forwarder {
 public:
  // The provenance every path writes names this cluster and topic as the batch's source.
  Forwarder(uint64_t source_cluster, uint64_t source_topic);

  // Each call appends to request(); ClearRequest empties it (a produce request was sent).
  Status Forward(std::string_view batch);
  Status ForwardWithMarkerBatch(std::string_view batch);
  Status ForwardWithFirstRecordHeader(std::string_view batch);
  Status ForwardWithFirstBlockHeader(std::string_view batch);
  Status Reencode(std::string_view batch);

  std::string_view request() const { return request_.view(); }
  void ClearRequest() { request_.clear(); }

 private:
  std::string ProvenanceOf(int64_t source_offset) const;
  // Decompresses an lz4 batch's records into `raw`; its header.
  static Result<BatchHeader> DecompressInto(std::string_view batch, Buffer& raw);
  // Encodes `first` with the provenance of `source` into encoded_.
  void EncodeFirstRecord(const BatchHeader& source, const Record& first);
  // The new batch's header: the source's fields with this producer's ids.
  BatchHeader TargetHeader(const BatchHeader& source, int32_t record_count);

  uint64_t source_cluster_;
  uint64_t source_topic_;
  ProducerIds ids_{.producer_id = 4242, .epoch = 0, .next_sequence = 0};
  Buffer request_;
  // Reused between batches, as a forwarder would.
  Buffer raw_;
  Buffer encoded_;
  Buffer compressed_;
  std::vector<Record> records_;
};

}  // namespace strait::bench
