#include "provenance/provenance.h"

#include <gtest/gtest.h>

#include "provenance/log_search.h"

namespace strait::provenance {
namespace {

TEST(Provenance, RoundTrips) {
  Provenance p{SourceOffset(123456789012), {ClusterFingerprint("a"), ClusterFingerprint("b")}};
  std::string encoded = EncodeProvenance(p);
  EXPECT_EQ(encoded.size(), 10u + 16u);
  std::optional<Provenance> back = DecodeProvenance(encoded);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->upstream_offset, SourceOffset(123456789012));
  EXPECT_EQ(back->path, p.path);
  EXPECT_EQ(back->origin(), ClusterFingerprint("a"));
  EXPECT_EQ(back->upstream_cluster(), ClusterFingerprint("b"));
  EXPECT_TRUE(back->Visited(ClusterFingerprint("a")));
  EXPECT_FALSE(back->Visited(ClusterFingerprint("c")));
}

TEST(Provenance, RejectsWhatIsNotAHeaderOfOurs) {
  EXPECT_FALSE(DecodeProvenance(""));
  EXPECT_FALSE(DecodeProvenance("hello world, not ours"));
  std::string wrong_version = EncodeProvenance({SourceOffset(1), {1}});
  wrong_version[0] = 3;
  EXPECT_FALSE(DecodeProvenance(wrong_version));
  std::string truncated = EncodeProvenance({SourceOffset(1), {1, 2}});
  truncated.pop_back();
  EXPECT_FALSE(DecodeProvenance(truncated));
}

TEST(Provenance, Version2CarriesTheSourceTopic) {
  Provenance p{
      SourceOffset(7), {ClusterFingerprint("a")}, TopicFingerprint("ASNFZ4mrze8BI0VniavN7w")};
  std::string encoded = EncodeProvenance(p);
  EXPECT_EQ(encoded[0], 2);
  EXPECT_EQ(encoded.size(), 10u + 8u + 8u);
  std::optional<Provenance> back = DecodeProvenance(encoded);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->upstream_offset, SourceOffset(7));
  EXPECT_EQ(back->path, p.path);
  EXPECT_EQ(back->source_topic, p.source_topic);
  // A version-2 header without its topic, or with the topic of a version-1 header, is not ours.
  std::string short_v2 = encoded.substr(0, 18);
  EXPECT_FALSE(DecodeProvenance(short_v2));
  std::string long_v1 = encoded;
  long_v1[0] = 1;
  EXPECT_FALSE(DecodeProvenance(long_v1));
  std::string zero_topic = encoded.substr(0, 18) + std::string(8, '\0');
  EXPECT_FALSE(DecodeProvenance(zero_topic));
}

TEST(Provenance, Version1HasNoSourceTopic) {
  std::optional<Provenance> back = DecodeProvenance(EncodeProvenance({SourceOffset(3), {9}}));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->source_topic, 0u);
}

TEST(Provenance, TopicFingerprints) {
  EXPECT_EQ(TopicFingerprint("AAAAAAAAAAAAAAAAAAAAAA"), 0u);  // a broker without topic ids
  EXPECT_EQ(TopicFingerprint(""), 0u);
  EXPECT_NE(TopicFingerprint("ASNFZ4mrze8BI0VniavN7w"), TopicFingerprint("ASNFZ4mrze8BI0VniavN7x"));
  EXPECT_NE(TopicFingerprint("ASNFZ4mrze8BI0VniavN7w"), 0u);
}

TEST(Provenance, FingerprintsDifferPerCluster) {
  EXPECT_NE(ClusterFingerprint("ASNFZ4mrze8BI0VniavN7w"),
            ClusterFingerprint("ASNFZ4mrze8BI0VniavN7x"));
  EXPECT_EQ(ClusterFingerprint("x"), ClusterFingerprint("x"));
}

TEST(CheckUpstreamGrows, RefusesUpstreamOffsetsThatGoDown) {
  auto rec = [](int64_t t, int64_t u) { return MirroredRecord{TargetOffset(t), SourceOffset(u)}; };
  EXPECT_TRUE(CheckUpstreamGrows("t", 0, {rec(5, 9), rec(1, 1), rec(3, 4)}).ok());
  EXPECT_TRUE(CheckUpstreamGrows("t", 0, {}).ok());
  // 0..999 mirrored, the source truncated at 900: its new 900.. follow at 1000.
  Status s = CheckUpstreamGrows("t", 0, {rec(600, 600), rec(1051, 951), rec(976, 976)});
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("source offset 976 at target offset 976, 951 at 1051"),
            std::string::npos)
      << s.message();
}

}  // namespace
}  // namespace strait::provenance
