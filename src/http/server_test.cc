#include "http/server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <string>
#include <vector>

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

TEST(Server, ServesThePageAndItsHistory) {
  Handlers h;
  h.page = [] { return std::string("<!doctype html>"); };
  h.history = [] { return std::string("{\"flows\":{}}"); };
  Server server(h);
  ASSERT_TRUE(server.Start("127.0.0.1", 0).ok());
  httplib::Client client("127.0.0.1", server.port());
  auto page = client.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->body, "<!doctype html>");
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("default-src 'none'"),
            std::string::npos);
  EXPECT_EQ(client.Get("/status/history")->body, "{\"flows\":{}}");
}

TEST(Server, PassesControlRequestsWithTheDecodedFlowName) {
  std::vector<std::string> calls;
  Handlers h;
  h.control = [&](std::string_view action, const std::string& flow) {
    calls.push_back(std::string(action) + " " + flow);
    return std::pair{200, std::string("{\"ok\":true}")};
  };
  Server server(h);
  ASSERT_TRUE(server.Start("127.0.0.1", 0).ok());
  httplib::Client client("127.0.0.1", server.port());
  EXPECT_EQ(client.Post("/flows/dc1-%3Edc2/pause", "", "application/json")->status, 200);
  EXPECT_EQ(client.Post("/flows/dc1-%3Edc2/resume", "", "application/json")->status, 200);
  EXPECT_EQ(client.Post("/reload", "", "application/json")->status, 200);
  EXPECT_EQ(client.Get("/reload")->status, 404);  // only POST changes anything
  EXPECT_EQ(calls, (std::vector<std::string>{"pause dc1->dc2", "resume dc1->dc2", "reload "}));
}

TEST(Server, RefusesControlRequestsFromABrowser) {
  bool called = false;
  Handlers h;
  h.control = [&](std::string_view, const std::string&) {
    called = true;
    return std::pair{200, std::string()};
  };
  Server server(h);
  ASSERT_TRUE(server.Start("127.0.0.1", 0).ok());
  httplib::Client client("127.0.0.1", server.port());
  auto r = client.Post("/reload", {{"Origin", "https://evil.example"}}, "", "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_FALSE(called);
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
