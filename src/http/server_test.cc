#include "http/server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "base/redact.h"
#include "http/client.h"

namespace strait::http {
namespace {

using namespace std::chrono_literals;

Handlers Fixed() {
  return {[] { return std::string("strait_up 1\n"); }, [] { return std::string("{}"); },
          [] { return true; }};
}

constexpr const char* kToken = "t0ken-0123456789-abcdef";

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

TEST(Server, TokenGuardsEverythingButHealthz) {
  Server server(Fixed(), {"", "", kToken});
  ASSERT_TRUE(server.Start("127.0.0.1", 0).ok());
  httplib::Client client("127.0.0.1", server.port());
  EXPECT_EQ(client.Get("/healthz")->status, 200);
  auto denied = client.Get("/status");
  EXPECT_EQ(denied->status, 401);
  EXPECT_EQ(denied->get_header_value("WWW-Authenticate"), "Bearer realm=\"strait\"");
  EXPECT_EQ(client.Get("/metrics")->status, 401);
  client.set_bearer_token_auth("t0ken-0123456789-abcdeX");
  EXPECT_EQ(client.Get("/metrics")->status, 401);
  client.set_bearer_token_auth(kToken);
  EXPECT_EQ(client.Get("/metrics")->body, "strait_up 1\n");
  EXPECT_EQ(client.Get("/status")->status, 200);
}

TEST(Server, ClientSendsTheToken) {
  Server server(Fixed(), {"", "", kToken});
  ASSERT_TRUE(server.Start("127.0.0.1", 0).ok());
  Result<std::string> without = Get({"127.0.0.1", server.port()}, "/status", 5s);
  ASSERT_FALSE(without.ok());
  EXPECT_NE(without.status().message().find("answered 401: it needs http.token"), std::string::npos)
      << without.status().message();
  Result<std::string> with = Get({"127.0.0.1", server.port(), false, "", kToken}, "/status", 5s);
  ASSERT_TRUE(with.ok()) << with.status().message();
  EXPECT_EQ(*with, "{}");
}

// A self-signed certificate for 127.0.0.1, made by the openssl tool.
std::filesystem::path MakeCertificate(const std::string& name) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("strait-http-test-" + name);
  std::filesystem::create_directories(dir);
  std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=strait-test "
      "-addext subjectAltName=IP:127.0.0.1 -keyout " +
      (dir / "key.pem").string() + " -out " + (dir / "cert.pem").string() + " 2>/dev/null";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  return dir;
}

TEST(Server, ServesHttpsThatTheClientVerifies) {
  std::filesystem::path dir = MakeCertificate("https");
  std::filesystem::path other = MakeCertificate("other");
  Server server(Fixed(), {dir / "cert.pem", dir / "key.pem", ""});
  ASSERT_TRUE(server.Start("127.0.0.1", 0).ok());
  Result<std::string> body =
      Get({"127.0.0.1", server.port(), true, dir / "cert.pem"}, "/metrics", 5s);
  ASSERT_TRUE(body.ok()) << body.status().message();
  EXPECT_EQ(*body, "strait_up 1\n");
  Result<std::string> untrusted =
      Get({"127.0.0.1", server.port(), true, other / "cert.pem"}, "/metrics", 5s);
  ASSERT_FALSE(untrusted.ok());
  EXPECT_NE(untrusted.status().message().find("is not signed by"), std::string::npos)
      << untrusted.status().message();
  EXPECT_FALSE(Get({"127.0.0.1", server.port()}, "/metrics", 5s).ok());  // plain HTTP
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(other);
}

TEST(Server, RefusesAKeyThatIsNotTheCertificates) {
  std::filesystem::path dir = MakeCertificate("mismatch");
  std::filesystem::path other = MakeCertificate("mismatch-other");
  Server server(Fixed(), {dir / "cert.pem", other / "key.pem", ""});
  Status s = server.Start("127.0.0.1", 0);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("http.tls.certificate"), std::string::npos) << s.message();
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(other);
}

}  // namespace
}  // namespace strait::http
