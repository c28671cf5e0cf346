// Batch forwarding against today's decode-and-re-encode path, per GB of record values, over
// real record batches (docs/design/batch-forwarding.md, docs/benchmarks.md):
//
//   build/bench/batch_forward_bench       the four paths, CPU-s per GB
//   valgrind --tool=callgrind --instr-atstart=no build/bench/batch_forward_bench
//       --callgrind=forward               (one command) the instructions of one path only
//   build/bench/batch_forward_bench --dump=/tmp/out-   each path's output, for kafka-dump-log
//
// The batches are bench/testdata/backlog-lz4-512.batches (bench/capture_batches.py made it
// from a real broker's log segment); STRAIT_BATCH_FIXTURE names another file of whole
// batches, such as a segment file copied from a broker.
#include <benchmark/benchmark.h>
#include <valgrind/callgrind.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "crc32c.h"
#include "forward_paths.h"
#include "record_batch.h"

namespace strait::bench {
namespace {

struct Fixture {
  std::string bytes;
  std::vector<std::string_view> batches;
  int64_t records = 0;
  int64_t payload_bytes = 0;  // keys and values: what "a GB" means in docs/benchmarks.md
};

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "batch_forward_bench: %s\n", what.c_str());
  std::exit(2);
}

// Every batch must carry the CRC the broker checked and decode to its record count: the
// numbers below are only worth something if the paths run on what a broker really serves.
Fixture Load() {
  const char* path = std::getenv("STRAIT_BATCH_FIXTURE");
  if (!path) path = STRAIT_BATCH_FIXTURE_DEFAULT;
  std::ifstream in(path, std::ios::binary);
  if (!in) Fail(std::string("cannot read ") + path + ": run bench/capture_batches.py");
  Fixture f;
  f.bytes = (std::ostringstream() << in.rdbuf()).str();
  auto batches = SplitBatches(f.bytes);
  if (!batches.ok()) Fail(std::string(path) + ": " + batches.status().ToString());
  f.batches = std::move(batches).value();
  Buffer raw;
  std::vector<Record> records;
  for (std::string_view b : f.batches) {
    BatchHeader h = ReadHeader(b);
    raw.clear();
    if (!CrcMatches(b)) Fail(std::string(path) + ": a batch's CRC does not match");
    if (h.compression() != kLz4) Fail(std::string(path) + ": a batch is not lz4");
    Status s = Lz4Decompress(b.substr(batch_field::kRecords), raw);
    if (s.ok()) s = DecodeRecords(raw.view(), h.record_count, records);
    if (!s.ok()) Fail(std::string(path) + ": " + s.ToString());
    f.records += h.record_count;
    for (const Record& r : records) {
      f.payload_bytes += (r.key ? r.key->size() : 0) + (r.value ? r.value->size() : 0);
    }
  }
  return f;
}

const Fixture& TheFixture() {
  static const Fixture fixture = Load();
  return fixture;
}

using Path = Status (Forwarder::*)(std::string_view);

// One pass over every batch of the fixture, as one produce request per batch. Not inlined:
// callgrind's --toggle-collect and the reader of a profile can find it.
[[gnu::noinline]] Status Pass(Forwarder& forwarder, Path path) {
  for (std::string_view batch : TheFixture().batches) {
    forwarder.ClearRequest();
    STRAIT_RETURN_IF_ERROR((forwarder.*path)(batch));
    benchmark::DoNotOptimize(forwarder.request().data());
  }
  return Status::Ok();
}

// What the path sends for the fixture's bytes: the provenance costs bytes on the link and
// on the target's disks too.
double OutputBytes(Path path) {
  Forwarder forwarder(0x5eed, 0x70b1c);
  double bytes = 0;
  for (std::string_view batch : TheFixture().batches) {
    forwarder.ClearRequest();
    if (!(forwarder.*path)(batch).ok()) return 0;
    bytes += static_cast<double>(forwarder.request().size());
  }
  return bytes;
}

void Run(benchmark::State& state, Path path) {
  const Fixture& f = TheFixture();
  Forwarder forwarder(/*source_cluster=*/0x5eed, /*source_topic=*/0x70b1c);
  for (auto _ : state) {
    if (Status s = Pass(forwarder, path); !s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      return;
    }
  }
  auto passes = static_cast<double>(state.iterations());
  state.SetBytesProcessed(state.iterations() * f.payload_bytes);
  // Rates divide by CPU time: inverted, this is CPU seconds per GB of keys and values.
  state.counters["CPU_s_per_GB"] =
      benchmark::Counter(passes * static_cast<double>(f.payload_bytes) / 1e9,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["records"] =
      benchmark::Counter(passes * static_cast<double>(f.records), benchmark::Counter::kIsRate);
  state.counters["out_per_in"] = OutputBytes(path) / static_cast<double>(f.bytes.size());
}

void ForwardBench(benchmark::State& s) { Run(s, &Forwarder::Forward); }
void ForwardWithMarkerBatchBench(benchmark::State& s) {
  Run(s, &Forwarder::ForwardWithMarkerBatch);
}
void ForwardWithFirstRecordHeaderBench(benchmark::State& s) {
  Run(s, &Forwarder::ForwardWithFirstRecordHeader);
}
void ForwardWithFirstBlockHeaderBench(benchmark::State& s) {
  Run(s, &Forwarder::ForwardWithFirstBlockHeader);
}
void ReencodeBench(benchmark::State& s) { Run(s, &Forwarder::Reencode); }

BENCHMARK(ForwardBench);
BENCHMARK(ForwardWithMarkerBatchBench);
BENCHMARK(ForwardWithFirstRecordHeaderBench);
BENCHMARK(ForwardWithFirstBlockHeaderBench);
BENCHMARK(ReencodeBench);

constexpr std::pair<std::string_view, Path> kPaths[] = {
    {"forward", &Forwarder::Forward},
    {"marker", &Forwarder::ForwardWithMarkerBatch},
    {"first-record", &Forwarder::ForwardWithFirstRecordHeader},
    {"first-block", &Forwarder::ForwardWithFirstBlockHeader},
    {"reencode", &Forwarder::Reencode}};

Path Named(std::string_view name) {
  for (const auto& [key, path] : kPaths) {
    if (key == name) return path;
  }
  Fail("a path is one of forward, marker, first-record, first-block, reencode; not " +
       std::string(name));
}

// --callgrind=<path>: one warm-up pass, then kPasses passes with callgrind's
// instrumentation on, and the MB of keys and values they covered, to divide by.
int Callgrind(std::string_view name) {
  Path path = Named(name);
  Forwarder forwarder(0x5eed, 0x70b1c);
  Status s = Pass(forwarder, path);
  constexpr int kPasses = 3;
  CALLGRIND_START_INSTRUMENTATION;
  for (int i = 0; i < kPasses && s.ok(); ++i) s = Pass(forwarder, path);
  CALLGRIND_STOP_INSTRUMENTATION;
  if (!s.ok()) Fail(s.ToString());
  double mb = TheFixture().payload_bytes / 1e6;
  std::printf("%s: %d passes over %.3f MB of keys and values (%.3f MB in all)\n",
              std::string(name).c_str(), kPasses, mb, kPasses * mb);
  return 0;
}

// --dump=<prefix>: what each path sends for the fixture, as <prefix><path>.log, a file of
// batches that Kafka's own kafka-dump-log.sh (DumpLogSegments) can check and decode.
int Dump(std::string_view prefix) {
  for (const auto& [name, path] : kPaths) {
    Forwarder forwarder(0x5eed, 0x70b1c);
    std::string file = std::string(prefix) + std::string(name) + ".log";
    std::ofstream out(file, std::ios::binary);
    for (std::string_view batch : TheFixture().batches) {
      forwarder.ClearRequest();
      if (Status s = (forwarder.*path)(batch); !s.ok()) Fail(s.ToString());
      out << forwarder.request();
    }
    if (!out.flush()) Fail("cannot write " + file);
    std::printf("%s\n", file.c_str());
  }
  return 0;
}

void AddContext() {
  const Fixture& f = TheFixture();
  benchmark::AddCustomContext(
      "crc32c", Crc32cIsHardware() ? "SSE4.2 crc32 instruction" : "table (no SSE4.2)");
  benchmark::AddCustomContext(
      "fixture", std::to_string(f.batches.size()) + " lz4 batches, " + std::to_string(f.records) +
                     " records, " + std::to_string(f.bytes.size()) + " bytes compressed, " +
                     std::to_string(f.payload_bytes) + " bytes of keys and values");
}

}  // namespace
}  // namespace strait::bench

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.starts_with("--callgrind=")) return strait::bench::Callgrind(arg.substr(12));
    if (arg.starts_with("--dump=")) return strait::bench::Dump(arg.substr(7));
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  strait::bench::AddContext();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
