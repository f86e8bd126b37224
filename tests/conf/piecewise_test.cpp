// Large files parsed and read in pieces give the same config as one load, or
// fall back to one load; errors keep their exact positions.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "conf/load.hpp"
#include "conf/piecewise_read.hpp"
#include "tests/support/without_threads.hpp"

namespace vipd::conf {
namespace {

const std::string kHead =
    "[global]\nrouter_id = \"lb\"\n\n[ipvs]\nflush_on_stop = true\n\n[ipvs.sync]\ninterface = \"eth1\"\n";

const LoadOptions kOptions{.check_files = false, .vnc_ports_taken = {}};

// Services that use most of what a service can say, so that reading them in
// pieces is compared on more than names and addresses.
std::string services(std::size_t count) {
  std::string text;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string n = std::to_string(i);
    text += "\n[[ipvs.service]]\nname = \"s" + n + "\"\n";
    if (i % 11 == 4)
      text += "fwmark = " + std::to_string(i + 1) + "\nfamily = \"inet\"\n";
    else
      text += "address = \"198.51.100." + std::to_string(i % 250 + 1) + ":" + std::to_string(1000 + i / 250) + "\"\n";
    if (i % 5 == 1) text += "scheduler = \"sh\"\nscheduler_flags = [\"port\"]\n";
    if (i % 6 == 2) text += "persistence = \"300s\"\npersistence_netmask = \"255.255.255.0\"\n";
    if (i % 13 == 5) text += "sorry_server = \"192.0.2.1:80\"\nquorum = 2\n";
    if (i % 7 == 0)
      text += "[ipvs.service.check]\ntype = \"tcp\"\n";
    else if (i % 9 == 3)
      text +=
          "[ipvs.service.check]\ntype = \"http\"\npath = \"/health\"\nexpect_status = [200, 204]\n"
          "expect_body = \"^o[k]+$\"\nexpect_body_regex = true\ninterval = \"" +
          n + "s\"\n";
    for (int r = 1; r <= 3; ++r) {
      text += "[[ipvs.service.real_server]]\naddress = \"203.0.113." + std::to_string(r) +
              ":80\"\nweight = " + std::to_string(r + static_cast<int>(i % 3)) + "\n";
      if (r == 2 && i % 4 == 0) text += "forwarding = \"nat\"\nupper_threshold = 100\nlower_threshold = 10\n";
    }
  }
  return text;
}

const std::size_t kMany = 300;  // in 5 pieces, the last one short

// Each service's text hashed, as the fingerprints are defined (piecewise_read.hpp).
std::vector<uint64_t> fingerprintsOf(const std::string& text) {
  std::vector<std::size_t> starts;
  for (auto at = text.find("\n[[ipvs.service]]\n"); at != std::string::npos;
       at = text.find("\n[[ipvs.service]]\n", at + 1))
    starts.push_back(at + 1);
  std::vector<uint64_t> hashes;
  for (std::size_t i = 0; i < starts.size(); ++i) {
    const std::size_t end = i + 1 < starts.size() ? starts[i + 1] : text.size();
    hashes.push_back(std::hash<std::string_view>{}(std::string_view(text).substr(starts[i], end - starts[i])));
  }
  return hashes;
}

// The same services behind a table the pieces do not allow: loaded whole.
LoadResult loadWhole(const std::string& text) { return loadString(text + "\n[virt]\n", "big.toml", kOptions); }

int lineOf(const std::string& text, std::size_t at) {
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
}

TEST(PiecewiseRead, LoadGivesTheSameConfigAsOneLoad) {
  const std::string text = kHead + services(kMany);
  ASSERT_TRUE(readInPieces(text, kOptions)) << "the pieces are used";
  LoadResult pieces = loadString(text, "big.toml", kOptions);
  ASSERT_TRUE(pieces.config);
  LoadResult whole = loadWhole(text);
  ASSERT_TRUE(whole.config);
  EXPECT_TRUE(whole.config->ipvs.service_fingerprints.empty());
  EXPECT_EQ(pieces.config->ipvs.service_fingerprints, fingerprintsOf(text));
  pieces.config->ipvs.service_fingerprints.clear();
  EXPECT_EQ(*pieces.config, *whole.config);

  const auto& read = pieces.config->ipvs.services;
  ASSERT_EQ(read.size(), kMany);
  EXPECT_TRUE(pieces.config->ipvs.flush_on_stop);
  ASSERT_TRUE(pieces.config->ipvs.sync);
  EXPECT_EQ(pieces.config->ipvs.sync->interface, "eth1");
  EXPECT_EQ(read[kMany - 1].name, "s" + std::to_string(kMany - 1));
  EXPECT_EQ(read[kMany - 1].real_servers[2].weight, 3 + static_cast<int>((kMany - 1) % 3));
  EXPECT_EQ(read[4].fwmark, 5u);
  EXPECT_EQ(read[12].checks.at(0).type, CheckType::http);
  EXPECT_TRUE(read[12].checks.at(0).expect_body_regex);
  EXPECT_EQ(read[200].real_servers[1].forwarding, Forwarding::nat);

  const std::string no_ipvs_table = "[global]\nrouter_id = \"lb\"\n" + services(kMany);
  LoadResult implicit = loadString(no_ipvs_table, "big.toml", kOptions);
  ASSERT_TRUE(implicit.config);
  EXPECT_EQ(implicit.config->ipvs.service_fingerprints.size(), kMany);
  implicit.config->ipvs.service_fingerprints.clear();
  EXPECT_EQ(*implicit.config, *loadWhole(no_ipvs_table).config);
}

TEST(PiecewiseRead, OneReaderOrManyReadTheSame) {
  const std::string text = kHead + services(kMany);
  auto one = readInPieces(text, kOptions, 1);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->head, toml::parse(kHead));
  EXPECT_EQ(one->services.size(), kMany);
  for (unsigned readers : {2u, 3u, 5u, 8u, 50u}) {
    auto many = readInPieces(text, kOptions, readers);
    ASSERT_TRUE(many) << readers;
    EXPECT_EQ(many->head, one->head) << readers;
    EXPECT_EQ(many->services, one->services) << readers;
    EXPECT_EQ(many->service_fingerprints, one->service_fingerprints) << readers;
  }
  const std::string two_pieces = kHead + services(kServicesPerPiece + 1);
  auto alone = readInPieces(two_pieces, kOptions, 1);
  auto crowd = readInPieces(two_pieces, kOptions, 8);
  ASSERT_TRUE(alone && crowd);
  EXPECT_EQ(crowd->services, alone->services);
  EXPECT_EQ(crowd->services.size(), kServicesPerPiece + 1);
}

// At a thread limit (EAGAIN) the readers that cannot start are read on the
// calling thread: the same result, not an exception out of the load.
TEST(PiecewiseRead, NoThreadToBeHadReadsOnTheCallingOne) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root: to drop to uid 65534 under RLIMIT_NPROC 1 (root ignores it)";
  const std::string text = kHead + services(kMany);
  const auto status = test::waitStatusWithoutThreads([&] {
    const auto alone = readInPieces(text, kOptions, 1);
    const auto many = readInPieces(text, kOptions, 4);
    return alone && many && many->services == alone->services && many->head == alone->head;
  });
  ASSERT_TRUE(status) << "fork or waitpid failed";
  ASSERT_TRUE(WIFEXITED(*status)) << "killed by signal " << WTERMSIG(*status);
  EXPECT_EQ(WEXITSTATUS(*status), 0) << test::kWithoutThreadsExits;
}

TEST(PiecewiseRead, OtherLayoutsAreLoadedWhole) {
  EXPECT_FALSE(readInPieces(kHead + services(kServicesPerPiece), kOptions)) << "few services";
  EXPECT_FALSE(readInPieces(kHead + services(kMany) + "\n[virt]\nuri = \"qemu:///system\"\n", kOptions))
      << "a table after";
  EXPECT_FALSE(readInPieces("[ipvs]\nservice = []\n" + services(kMany), kOptions)) << "ipvs.service in the head";
  EXPECT_FALSE(readInPieces("ipvs = { flush_on_stop = true }\n" + services(kMany), kOptions)) << "inline ipvs table";
  EXPECT_FALSE(readInPieces("ipvs = 1\n" + services(kMany), kOptions)) << "ipvs not a table";
  EXPECT_FALSE(
      readInPieces("[[ipvs.service.real_server]]\naddress = \"203.0.113.1:80\"\n" + services(kMany), kOptions));
  // A header-like line inside a multi-line string splits nothing silently: the piece does not parse.
  EXPECT_FALSE(readInPieces(kHead + "notes = \"\"\"\n[[ipvs.service]]\n\"\"\"\n" + services(kMany), kOptions));
}

// An unknown key in service 200 (the fourth piece): the whole load reports it where it is.
// The many-service file with `line` inserted after service s200's name; `at`: where that name's line starts.
std::string withLineInService200(const std::string& line, std::size_t& at) {
  std::string text = kHead + services(kMany);
  const std::string name = "name = \"s200\"\n";
  at = text.find(name);
  text.insert(at + name.size(), line);
  return text;
}

// `text` is refused by the piecewise read; what the whole load, which rejects it too, reports.
LoadResult loadRefusedByPieces(const std::string& text) {
  EXPECT_FALSE(readInPieces(text, kOptions));
  LoadResult result = loadString(text, "big.toml", kOptions);
  EXPECT_FALSE(result.config);
  return result;
}

TEST(PiecewiseRead, ErrorsAreReportedAtTheirLineInTheWholeFile) {
  std::size_t at = 0;
  const std::string text = withLineInService200("weight_of_nothing = 1\n", at);
  LoadResult result = loadRefusedByPieces(text);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].str(), "big.toml:" + std::to_string(lineOf(text, at) + 1) +
                                        ":1: ipvs.service[200].weight_of_nothing: unknown key");
  LoadResult whole = loadWhole(text);
  ASSERT_EQ(whole.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].str(), whole.errors[0].str());
}

TEST(PiecewiseRead, AValueOutOfRangeInAPieceFallsBack) {
  std::string text = kHead + services(kMany);
  const std::string weight = "weight = 3\n";
  const auto at = text.find(weight, text.find("name = \"s250\""));
  ASSERT_NE(at, std::string::npos);
  text.replace(at, weight.size(), "weight = 70000\n");
  EXPECT_FALSE(readInPieces(text, kOptions));
  LoadResult result = loadString(text, "big.toml", kOptions);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].key_path, "ipvs.service[250].real_server[1].weight");
  EXPECT_EQ(result.errors[0].line, lineOf(text, at));
  EXPECT_EQ(result.errors[0].column, 10);
}

// Across pieces only validate() sees a clash; positions come from the whole load.
TEST(PiecewiseRead, AValidationErrorFallsBack) {
  std::string text = kHead + services(kMany);
  const std::string name = "name = \"s270\"\n";
  const auto at = text.find(name);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, name.size(), "name = \"s3\"\n");
  auto pieces = readInPieces(text, kOptions);
  ASSERT_TRUE(pieces) << "each piece reads alone";
  LoadResult result = loadString(text, "big.toml", kOptions);
  EXPECT_FALSE(result.config);
  ASSERT_EQ(result.errors.size(), 1u);
  const int first_line = lineOf(text, text.find("name = \"s3\"\n"));
  EXPECT_EQ(result.errors[0].str(), "big.toml:" + std::to_string(lineOf(text, at)) +
                                        ":8: ipvs.service[270].name: duplicate service name (first at line " +
                                        std::to_string(first_line) + ")");
}

TEST(PiecewiseRead, APieceThatDoesNotParseFallsBack) {
  std::size_t at = 0;
  const std::string text = withLineInService200("quorum = = 1\n", at);
  LoadResult result = loadRefusedByPieces(text);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].key_path, "(syntax)");
  EXPECT_EQ(result.errors[0].line, lineOf(text, at) + 1);
}

// The text with service s100's second real server at weight 7 (3 before).
std::string withOneWeightChanged(std::string text) {
  const std::string weight = "address = \"203.0.113.2:80\"\nweight = 3\n";
  const auto at = text.find(weight, text.find("name = \"s100\""));
  if (at == std::string::npos) return "";
  return text.replace(at, weight.size(), "address = \"203.0.113.2:80\"\nweight = 7\n");
}

// A fingerprint changes with its service's text and only with it.
TEST(PiecewiseRead, FingerprintsFollowEachServiceText) {
  const std::string text = kHead + services(kMany);
  const std::string changed = withOneWeightChanged(text);
  ASSERT_FALSE(changed.empty());
  auto before = readInPieces(text, kOptions);
  auto after = readInPieces(changed, kOptions);
  ASSERT_TRUE(before && after);
  ASSERT_EQ(before->service_fingerprints.size(), kMany);
  ASSERT_EQ(after->service_fingerprints.size(), kMany);
  for (std::size_t i = 0; i < kMany; ++i) {
    if (i == 100)
      EXPECT_NE(before->service_fingerprints[i], after->service_fingerprints[i]);
    else
      EXPECT_EQ(before->service_fingerprints[i], after->service_fingerprints[i]) << "service " << i;
  }
  EXPECT_NE(before->service_fingerprints[0], before->service_fingerprints[1]);
  EXPECT_EQ(after->services[100].real_servers[1].weight, 7);
}

// At a reload only the piece holding the changed service is parsed; the rest
// is copied from the config in use, and the result is what a fresh load gives.
TEST(PiecewiseRead, AReloadParsesOnlyThePiecesWhoseTextChanged) {
  const std::string text = kHead + services(kMany);
  LoadResult running = loadString(text, "big.toml", kOptions);
  ASSERT_TRUE(running.config);
  const Ipvs* previous = &running.config->ipvs;

  auto same = readInPieces(text, kOptions, 2, previous);
  ASSERT_TRUE(same);
  EXPECT_EQ(same->reused, kMany);
  EXPECT_EQ(same->services, previous->services);

  const std::string changed = withOneWeightChanged(text);
  ASSERT_FALSE(changed.empty());
  auto read = readInPieces(changed, kOptions, 2, previous);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->reused, kMany - kServicesPerPiece) << "s100 is in the second piece";
  EXPECT_EQ(read->services[100].real_servers[1].weight, 7);

  LoadResult reloaded = loadString(changed, "big.toml", kOptions, &*running.config);
  LoadResult fresh = loadString(changed, "big.toml", kOptions);
  ASSERT_TRUE(reloaded.config && fresh.config);
  EXPECT_EQ(*reloaded.config, *fresh.config);
  EXPECT_EQ(readInPieces(changed, kOptions, 2)->reused, 0u) << "nothing to copy from without a config in use";
}

// A service copied at a reload has its check script looked at on disk again:
// a script deleted since the last load fails the reload as a fresh load would.
TEST(PiecewiseRead, AReloadChecksTheScriptsOfTheServicesItCopies) {
  char dir_template[] = "/tmp/vipd-piecewise-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::filesystem::path dir(dir_template);
  const std::string script = (dir / "check.sh").string();
  std::ofstream(script) << "#!/bin/sh\nexit 0\n";
  ASSERT_EQ(chmod(script.c_str(), 0755), 0);
  std::string text = kHead;
  for (std::size_t i = 0; i < kMany; ++i) {
    text += "\n[[ipvs.service]]\nname = \"s" + std::to_string(i) + "\"\naddress = \"198.51.100." +
            std::to_string(i % 250 + 1) + ":" + std::to_string(1000 + i / 250) +
            "\"\n[ipvs.service.check]\ntype = \"script\"\ncommand = [\"" + script +
            "\"]\n[[ipvs.service.real_server]]\naddress = \"203.0.113.1:80\"\n";
  }
  const LoadOptions on_disk{.check_files = true, .vnc_ports_taken = {}};
  LoadResult running = loadString(text, "big.toml", on_disk);
  ASSERT_TRUE(running.config);
  EXPECT_EQ(readInPieces(text, on_disk, 2, &running.config->ipvs)->reused, kMany);

  std::filesystem::remove(script);
  EXPECT_FALSE(readInPieces(text, on_disk, 2, &running.config->ipvs));
  LoadResult reloaded = loadString(text, "big.toml", on_disk, &*running.config);
  std::filesystem::remove_all(dir);
  EXPECT_FALSE(reloaded.config);
  ASSERT_FALSE(reloaded.errors.empty());
  EXPECT_NE(reloaded.errors.front().message.find("does not exist"), std::string::npos) << reloaded.errors.front().str();
}

}  // namespace
}  // namespace vipd::conf
