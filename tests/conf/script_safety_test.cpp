#include "conf/script_safety.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "conf/load.hpp"

namespace vipd::conf {
namespace {

namespace fs = std::filesystem;

// A private temp directory (mode 0700) removed after the test.
class ScriptSafety : public testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "vipd-conf-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string makeScript(const fs::path& path, mode_t mode) {
    std::ofstream(path) << "#!/bin/sh\nexit 0\n";
    EXPECT_EQ(chmod(path.c_str(), mode), 0);
    return path.string();
  }

  fs::path dir_;
};

TEST_F(ScriptSafety, SafeScriptPasses) {
  EXPECT_EQ(scriptPathProblem(makeScript(dir_ / "ok.sh", 0755), true), std::nullopt);
}

TEST_F(ScriptSafety, Problems) {
  fs::create_directory(dir_ / "open");
  ASSERT_EQ(chmod((dir_ / "open").c_str(), 0777), 0);
  fs::create_directory(dir_ / "open" / "sub");
  ASSERT_EQ(chmod((dir_ / "open" / "sub").c_str(), 0755), 0);
  fs::create_directory(dir_ / "sticky");
  ASSERT_EQ(chmod((dir_ / "sticky").c_str(), 01777), 0);
  fs::create_directory(dir_ / "sticky" / "sub");
  ASSERT_EQ(chmod((dir_ / "sticky" / "sub").c_str(), 0755), 0);
  struct Case {
    std::string path;
    std::optional<std::string> problem;  // a part of the message; nullopt = safe
  };
  const Case cases[] = {
      {makeScript(dir_ / "ww.sh", 0757), "is world-writable"},
      {makeScript(dir_ / "noexec.sh", 0644), "is not executable"},
      {(dir_ / "missing.sh").string(), "does not exist"},
      {dir_.string(), "is not a regular file"},
      {"check.sh", "is relative"},
      {"", "is empty"},
      {makeScript(dir_ / "open" / "a.sh", 0755), "inside world-writable directory '" + (dir_ / "open").string()},
      {makeScript(dir_ / "open" / "sub" / "a.sh", 0755), "inside world-writable directory"},
      {makeScript(dir_ / "sticky" / "a.sh", 0755), "inside world-writable directory"},
      {makeScript(dir_ / "sticky" / "sub" / "a.sh", 0755), std::nullopt},
  };
  for (const Case& c : cases) {
    auto problem = scriptPathProblem(c.path, true);
    if (!c.problem) {
      EXPECT_EQ(problem, std::nullopt) << c.path;
    } else {
      ASSERT_TRUE(problem) << c.path;
      EXPECT_NE(problem->find(*c.problem), std::string::npos) << *problem;
    }
  }
}

TEST_F(ScriptSafety, SymlinkIntoWorldWritableDirectoryIsRejected) {
  fs::create_directory(dir_ / "open");
  ASSERT_EQ(chmod((dir_ / "open").c_str(), 0777), 0);
  std::string target = makeScript(dir_ / "open" / "a.sh", 0755);
  fs::create_symlink(target, dir_ / "link.sh");
  auto problem = scriptPathProblem((dir_ / "link.sh").string(), true);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("world-writable directory"), std::string::npos) << *problem;
}

TEST_F(ScriptSafety, WithoutFileChecksOnlyTheFormIsChecked) {
  EXPECT_EQ(scriptPathProblem((dir_ / "missing.sh").string(), false), std::nullopt);
  EXPECT_TRUE(scriptPathProblem("relative.sh", false));
}

TEST_F(ScriptSafety, LoaderChecksEveryScriptPlace) {
  std::string ok = makeScript(dir_ / "ok.sh", 0755);
  std::string bad = makeScript(dir_ / "bad.sh", 0646);
  std::string text = "[[vrrp.script]]\nname = \"s\"\ncommand = [\"" + bad + "\", \"" + ok +
                     "\"]\n"
                     "[[vrrp.instance]]\nname = \"A\"\ninterface = \"eth0\"\nvrid = 1\n"
                     "virtual_addresses = [\"198.51.100.1/24\"]\nnotify = \"" +
                     bad +
                     "\"\n"
                     "[[ipvs.service]]\nname = \"w\"\naddress = \"198.51.100.1:80\"\n"
                     "[ipvs.service.check]\ntype = \"script\"\ncommand = [\"" +
                     bad + "\"]\n";
  LoadResult result = loadString(text, "t.toml");
  ASSERT_EQ(result.errors.size(), 3u);
  EXPECT_EQ(result.errors[0].key_path, "vrrp.script[0].command[0]");
  EXPECT_EQ(result.errors[0].line, 3);
  EXPECT_EQ(result.errors[1].key_path, "vrrp.instance[0].notify");
  EXPECT_EQ(result.errors[1].line, 9);
  EXPECT_EQ(result.errors[2].key_path, "ipvs.service[0].check.command[0]");
  EXPECT_EQ(result.errors[2].line, 15);

  std::string fixed = text;
  for (auto at = fixed.find(bad); at != std::string::npos; at = fixed.find(bad)) fixed.replace(at, bad.size(), ok);
  LoadResult good = loadString(fixed, "t.toml");
  EXPECT_TRUE(good.errors.empty()) << good.errors[0].str();
}

}  // namespace
}  // namespace vipd::conf
