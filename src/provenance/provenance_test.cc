#include "provenance/provenance.h"

#include <gtest/gtest.h>

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
  wrong_version[0] = 2;
  EXPECT_FALSE(DecodeProvenance(wrong_version));
  std::string truncated = EncodeProvenance({SourceOffset(1), {1, 2}});
  truncated.pop_back();
  EXPECT_FALSE(DecodeProvenance(truncated));
}

TEST(Provenance, FingerprintsDifferPerCluster) {
  EXPECT_NE(ClusterFingerprint("ASNFZ4mrze8BI0VniavN7w"),
            ClusterFingerprint("ASNFZ4mrze8BI0VniavN7x"));
  EXPECT_EQ(ClusterFingerprint("x"), ClusterFingerprint("x"));
}

}  // namespace
}  // namespace strait::provenance
