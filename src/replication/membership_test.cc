// Two instances of one flow in a group on librdkafka's mock cluster: the cooperative
// assignment splits the partitions, and a revoked partition reaches the newcomer only once
// its owner released it.
#include "replication/membership.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <set>
#include <thread>

#include "kafka/mock_cluster.h"

namespace strait::replication {
namespace {

using namespace std::chrono_literals;
using kafka::TopicPartition;

constexpr char kRemote[] = "dc1.orders";

struct Instance {
  std::unique_ptr<Membership> membership;
  std::set<TopicPartition> owned;
  std::vector<TopicPartition> revoked;

  void Poll() {
    Membership::Changes c = membership->Poll();
    owned.insert(c.assigned.begin(), c.assigned.end());
    for (const TopicPartition& tp : c.revoked) owned.erase(tp);
    revoked.insert(revoked.end(), c.revoked.begin(), c.revoked.end());
  }
};

class MembershipTest : public testing::Test {
 protected:
  void SetUp() override {
    auto cluster = kafka::MockCluster::Create();
    ASSERT_TRUE(cluster.ok()) << cluster.status().message();
    cluster_ = std::move(cluster).value();
    ASSERT_TRUE(cluster_->CreateTopic(kRemote, 4).ok());
    target_.alias = "dc2";
    target_.properties = cluster_->ClientProperties();
    flow_.source = "dc1";
    flow_.target = "dc2";
    auto admin = kafka::Admin::Create({"test-admin", cluster_->ClientProperties(), {}});
    ASSERT_TRUE(admin.ok()) << admin.status().message();
    admin_ = std::move(admin).value();
  }

  Instance Join(const std::string& id) {
    config::GroupConfig group;
    group.enabled = true;
    group.instance_id = id;
    group.session_timeout = 6000ms;
    auto m = Membership::Create(target_, group, flow_);
    EXPECT_TRUE(m.ok()) << m.status().message();
    Instance instance{std::move(m).value(), {}, {}};
    instance.membership->Refresh(admin_.get(), {kRemote});
    return instance;
  }

  // Polls the instances every 20 ms until `done`, for up to a generous limit.
  bool PollUntil(const std::vector<Instance*>& instances, const std::function<bool()>& done,
                 std::chrono::milliseconds limit = 60s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      for (Instance* i : instances) i->Poll();
      if (done()) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  std::unique_ptr<kafka::MockCluster> cluster_;
  config::ClusterConfig target_;
  config::FlowConfig flow_;
  std::unique_ptr<kafka::Admin> admin_;
};

TEST(MemberClientId, CarriesTheInstanceAndTheFlowFingerprint) {
  const std::string id = MemberClientId("host-a.9644", 0xabcdef0123456789ull);
  EXPECT_EQ(id, "strait/host-a.9644/abcdef0123456789");
  std::optional<MemberIdentity> parsed = ParseMemberClientId(id);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->instance_id, "host-a.9644");
  EXPECT_EQ(parsed->fingerprint, 0xabcdef0123456789ull);
  EXPECT_FALSE(ParseMemberClientId("rdkafka").has_value());
  EXPECT_FALSE(ParseMemberClientId("strait/a/xyz").has_value());
}

TEST_F(MembershipTest, ARevokedPartitionMovesOnlyOnceItsOwnerReleasedIt) {
  Instance a = Join("a");
  ASSERT_TRUE(PollUntil({&a}, [&] { return a.owned.size() == 4; }));
  EXPECT_GE(a.membership->status().generation, 1);

  Instance b = Join("b");
  ASSERT_TRUE(PollUntil({&a, &b}, [&] { return a.revoked.size() == 2; }));
  // a has not let them go yet: b is given nothing, whatever happens meanwhile.
  PollUntil(
      {&a, &b}, [] { return false; }, 3s);
  EXPECT_TRUE(b.owned.empty());
  EXPECT_EQ(a.owned.size(), 2u);

  ASSERT_TRUE(a.membership->Release(a.revoked).ok());
  ASSERT_TRUE(PollUntil({&a, &b}, [&] { return b.owned.size() == 2; }));
  std::set<TopicPartition> all = a.owned;
  all.insert(b.owned.begin(), b.owned.end());
  EXPECT_EQ(all.size(), 4u);  // each partition has one owner
  for (const TopicPartition& tp : a.revoked) EXPECT_EQ(b.owned.count(tp), 1u);
}

// A remote topic the flow asks the group to subscribe to before the target's metadata lists
// it (just created, not yet on the broker that answers) is assigned once it appears, at the
// next refresh: not at librdkafka's five-minute metadata refresh.
TEST_F(MembershipTest, ATopicSubscribedBeforeItIsListedIsAssignedOnceItIs) {
  constexpr char kLater[] = "dc1.later";
  Instance a = Join("a");
  a.membership->Refresh(admin_.get(), {kRemote, kLater});
  ASSERT_TRUE(PollUntil({&a}, [&] { return a.owned.size() == 4; }));

  ASSERT_TRUE(cluster_->CreateTopic(kLater, 2).ok());
  // The flow refreshes its membership every refresh interval; here every second.
  auto next_refresh = std::chrono::steady_clock::now();
  auto refreshed_and_all_owned = [&] {
    if (std::chrono::steady_clock::now() >= next_refresh) {
      a.membership->Refresh(admin_.get(), {kRemote, kLater});
      next_refresh += 1s;
    }
    return a.owned.size() == 6;
  };
  EXPECT_TRUE(PollUntil({&a}, refreshed_and_all_owned))
      << "owned " << a.owned.size() << " of 6 partitions";
}

// The members' flow definitions are compared by their client ids: a member whose flow differs
// is named, and an instance not yet in the group stays out; a twin is named too.
TEST(CheckMembers, NamesAnotherDefinitionAndATwin) {
  GroupStatus self;
  self.group_id = "strait.dc1.dc2";
  self.instance_id = "a";
  self.member_id = "m-a";
  const std::vector<kafka::GroupMember> others = {
      {"m-b", MemberClientId("b", 7), "/10.0.0.2", {{kRemote, 0}}},
      {"m-c", MemberClientId("c", 8), "/10.0.0.3", {{kRemote, 1}}}};
  MemberCheck check = CheckMembers(others, self, 7, /*joined=*/false);
  ASSERT_EQ(check.members.size(), 2u);
  EXPECT_TRUE(check.members[0].same_definition);
  EXPECT_FALSE(check.members[1].same_definition);
  EXPECT_TRUE(check.other_definition);
  EXPECT_EQ(check.error,
            "instance c (/10.0.0.3) in group strait.dc1.dc2 runs a different definition of this "
            "flow: give every instance the same flows (topics, naming, forward, "
            "provenance.headers, start.offset); this instance stays out of the group until they "
            "agree");

  const std::vector<kafka::GroupMember> twin = {{"m-a", MemberClientId("a", 7), "/10.0.0.1", {}},
                                                {"m-a2", MemberClientId("a", 7), "/10.0.0.9", {}}};
  check = CheckMembers(twin, self, 7, /*joined=*/true);
  EXPECT_TRUE(check.members[0].self);
  EXPECT_FALSE(check.other_definition);
  EXPECT_NE(check.error.find("has this instance's instance.id a"), std::string::npos)
      << check.error;
  EXPECT_TRUE(CheckMembers({twin[0]}, self, 7, true).error.empty());
}

}  // namespace
}  // namespace strait::replication
