#include "forward_paths.h"

#include "provenance/provenance.h"

namespace strait::bench {

Forwarder::Forwarder(uint64_t source_cluster, uint64_t source_topic)
    : source_cluster_(source_cluster), source_topic_(source_topic) {}

std::string Forwarder::ProvenanceOf(int64_t source_offset) const {
  return provenance::EncodeProvenance(
      {SourceOffset(source_offset), {source_cluster_}, source_topic_});
}

BatchHeader Forwarder::TargetHeader(const BatchHeader& source, int32_t record_count) {
  BatchHeader h = source;
  h.base_offset = 0;
  h.leader_epoch = -1;
  h.attributes = static_cast<int16_t>(h.attributes & ~kTransactionalBit);
  h.producer_id = ids_.producer_id;
  h.producer_epoch = ids_.epoch;
  h.base_sequence = ids_.next_sequence;
  h.record_count = record_count;
  ids_.next_sequence += record_count;
  return h;
}

Status Forwarder::Forward(std::string_view batch) {
  size_t start = request_.size();
  request_.Append(batch);
  RewriteForProduce(std::span<char>(request_.data() + start, batch.size()), ids_);
  return Status::Ok();
}

Status Forwarder::ForwardWithMarkerBatch(std::string_view batch) {
  STRAIT_RETURN_IF_ERROR(Forward(batch));
  BatchHeader source = ReadHeader(batch);
  std::string provenance = ProvenanceOf(source.base_offset);
  Record marker;
  marker.headers.push_back({provenance::kProvenanceHeader, provenance});
  encoded_.clear();
  EncodeRecord(marker, nullptr, encoded_);
  BatchHeader h = TargetHeader(source, 1);
  h.attributes = 0;  // uncompressed, CreateTime
  h.last_offset_delta = 0;
  h.base_timestamp = source.max_timestamp;
  AppendBatch(h, encoded_.view(), request_);
  return Status::Ok();
}

Result<BatchHeader> Forwarder::DecompressInto(std::string_view batch, Buffer& raw) {
  BatchHeader source = ReadHeader(batch);
  if (source.compression() != kLz4) return InvalidArgument("not an lz4 batch");
  raw.clear();
  STRAIT_RETURN_IF_ERROR(Lz4Decompress(batch.substr(batch_field::kRecords), raw));
  return source;
}

Status Forwarder::ForwardWithFirstRecordHeader(std::string_view batch) {
  STRAIT_ASSIGN_OR_RETURN(BatchHeader source, DecompressInto(batch, raw_));
  Record first;
  size_t size;
  STRAIT_RETURN_IF_ERROR(DecodeRecord(raw_.view(), &first, &size));
  EncodeFirstRecord(source, first);
  encoded_.Append(raw_.view().substr(size));
  compressed_.clear();
  STRAIT_RETURN_IF_ERROR(Lz4Compress(encoded_.view(), compressed_));
  AppendBatch(TargetHeader(source, source.record_count), compressed_.view(), request_);
  return Status::Ok();
}

void Forwarder::EncodeFirstRecord(const BatchHeader& source, const Record& first) {
  std::string provenance = ProvenanceOf(source.base_offset);
  Header extra{provenance::kProvenanceHeader, provenance};
  encoded_.clear();
  EncodeRecord(first, &extra, encoded_);
}

Status Forwarder::ForwardWithFirstBlockHeader(std::string_view batch) {
  BatchHeader source = ReadHeader(batch);
  std::optional<Lz4Frame> frame;
  if (source.compression() == kLz4) frame = SplitLz4Frame(batch.substr(batch_field::kRecords));
  if (!frame) return ForwardWithFirstRecordHeader(batch);
  raw_.clear();
  STRAIT_RETURN_IF_ERROR(Lz4DecompressBlock(frame->first_block, frame->first_block_compressed,
                                            frame->block_max, raw_));
  Record first;
  size_t size;
  // A first record longer than a block: the simple way.
  if (!DecodeRecord(raw_.view(), &first, &size).ok()) return ForwardWithFirstRecordHeader(batch);
  EncodeFirstRecord(source, first);
  encoded_.Append(raw_.view().substr(size));
  compressed_.clear();
  compressed_.Append(frame->header);
  Lz4AppendBlocks(encoded_.view(), frame->block_max, compressed_);
  compressed_.Append(frame->rest);
  AppendBatch(TargetHeader(source, source.record_count), compressed_.view(), request_);
  return Status::Ok();
}

Status Forwarder::Reencode(std::string_view batch) {
  STRAIT_ASSIGN_OR_RETURN(BatchHeader source, DecompressInto(batch, raw_));
  STRAIT_RETURN_IF_ERROR(DecodeRecords(raw_.view(), source.record_count, records_));
  encoded_.clear();
  int32_t delta = 0;
  for (Record& r : records_) {
    // strait encodes one provenance header per record, naming the record's own offset.
    std::string provenance = ProvenanceOf(source.base_offset + r.offset_delta);
    Header extra{provenance::kProvenanceHeader, provenance};
    r.offset_delta = delta++;  // a producer numbers its batch from 0, without gaps
    EncodeRecord(r, &extra, encoded_);
  }
  compressed_.clear();
  STRAIT_RETURN_IF_ERROR(Lz4Compress(encoded_.view(), compressed_));
  BatchHeader h = TargetHeader(source, delta);
  h.last_offset_delta = delta - 1;
  AppendBatch(h, compressed_.view(), request_);
  return Status::Ok();
}

}  // namespace strait::bench
