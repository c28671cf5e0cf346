#include "config/references.h"

#include <gtest/gtest.h>

#include <map>

namespace strait::config {
namespace {

Environment Env(const std::map<std::string, std::string>& vars,
                const std::map<std::string, std::string>& files) {
  return {[vars](const std::string& name) -> std::optional<std::string> {
            auto it = vars.find(name);
            return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
          },
          [files](const std::string& path) -> Result<std::string> {
            auto it = files.find(path);
            if (it == files.end()) return InvalidArgument("cannot read " + path + ": gone");
            return it->second;
          }};
}

TEST(References, ValuesWithoutReferencesPassThrough) {
  EXPECT_EQ(*Resolve("plain $value {x}", Env({}, {})), "plain $value {x}");
  EXPECT_FALSE(HasReference("plain $value {x}"));
}

TEST(References, ReplaceEveryReferenceInAValue) {
  Environment env = Env({{"USER", "mirror"}}, {{"/s/pw", "p4ss\n"}});
  EXPECT_EQ(*Resolve("${env:USER}", env), "mirror");
  EXPECT_EQ(*Resolve("user=${env:USER} password=${file:/s/pw};", env),
            "user=mirror password=p4ss;");
  EXPECT_TRUE(HasReference("x${env:USER}"));
}

TEST(References, FilesLoseOneFinalNewlineOnly) {
  Environment env = Env({}, {{"/a", "x\r\n"}, {"/b", "y\n\n"}, {"/c", "z"}});
  EXPECT_EQ(*Resolve("${file:/a}", env), "x");
  EXPECT_EQ(*Resolve("${file:/b}", env), "y\n");
  EXPECT_EQ(*Resolve("${file:/c}", env), "z");
}

TEST(References, DoubleDollarIsALiteral) {
  EXPECT_EQ(*Resolve("a$${env:USER}b", Env({}, {})), "a${env:USER}b");
}

TEST(References, ErrorsNameTheReferenceAndTheCause) {
  Environment env = Env({}, {});
  EXPECT_EQ(Resolve("${env:NOPE}", env).status().message(),
            "${env:NOPE}: the environment variable NOPE is not set");
  EXPECT_EQ(Resolve("x${file:/etc/pw}", env).status().message(),
            "${file:/etc/pw}: cannot read /etc/pw: gone");
  EXPECT_EQ(Resolve("${vault:x}", env).status().message(),
            "${vault:x}: unknown reference; expected ${env:NAME} or ${file:/path} (write $${ for "
            "a literal ${)");
  EXPECT_EQ(Resolve("${env:}", env).status().message(),
            "${env:}: missing the variable name after \"env:\"");
}

TEST(References, AnUnclosedReferenceDoesNotEchoTheValue) {
  Status s = Resolve("s3cr3t${env:X", Env({}, {})).status();
  EXPECT_EQ(s.message().find("s3cr3t"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("character 7"), std::string::npos) << s.message();
}

TEST(References, TheProcessEnvironmentIsRead) {
  setenv("STRAIT_REFERENCES_TEST", "from-process", 1);
  EXPECT_EQ(*Resolve("${env:STRAIT_REFERENCES_TEST}", Environment::Process()), "from-process");
  EXPECT_FALSE(Resolve("${file:/nonexistent/strait}", Environment::Process()).ok());
}

}  // namespace
}  // namespace strait::config
