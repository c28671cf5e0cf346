#include "http/server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include "base/redact.h"

namespace strait::http {
namespace {

TEST(Server, ServesTheThreeEndpoints) {
  bool healthy = true;
  Server server({[] { return std::string("strait_up 1\n"); },
                 [] { return std::string("{\"flows\":[]}"); }, [&] { return healthy; }});
  ASSERT_TRUE(server.Start("127.0.0.1", 0).ok());
  httplib::Client client("127.0.0.1", server.port());
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->body, "strait_up 1\n");
  auto status = client.Get("/status");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(client.Get("/healthz")->status, 200);
  healthy = false;
  EXPECT_EQ(client.Get("/healthz")->status, 503);
  server.Stop();
}

TEST(Server, NeverServesASecret) {
  RegisterSecret("s3cr3t-token");
  Server server({[] { return std::string(); },
                 [] { return std::string("{\"error\":\"auth failed for s3cr3t-token\"}"); },
                 [] { return true; }});
  ASSERT_TRUE(server.Start("127.0.0.1", 0).ok());
  httplib::Client client("127.0.0.1", server.port());
  EXPECT_EQ(client.Get("/status")->body, "{\"error\":\"auth failed for [redacted]\"}");
}

TEST(Server, ReportsATakenAddress) {
  Server first({}), second({});
  ASSERT_TRUE(first.Start("127.0.0.1", 0).ok());
  Status s = second.Start("127.0.0.1", first.port());
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("http.listen"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace strait::http
