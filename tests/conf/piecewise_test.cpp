// Large files parsed in pieces give the same document as one parse, or fall
// back to one parse; errors keep their exact positions.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "conf/load.hpp"
#include "conf/piecewise_parse.hpp"

namespace vipd::conf {
namespace {

const std::string kHead =
    "[global]\nrouter_id = \"lb\"\n\n[ipvs]\nflush_on_stop = true\n\n[ipvs.sync]\ninterface = \"eth1\"\n";

std::string services(std::size_t count) {
  std::string text;
  for (std::size_t i = 0; i < count; ++i) {
    text += "\n[[ipvs.service]]\nname = \"s" + std::to_string(i) + "\"\naddress = \"198.51.100." +
            std::to_string(i % 250 + 1) + ":" + std::to_string(1000 + i / 250) + "\"\n";
    if (i % 7 == 0) text += "[ipvs.service.check]\ntype = \"tcp\"\n";
    for (int r = 1; r <= 3; ++r)
      text += "[[ipvs.service.real_server]]\naddress = \"203.0.113." + std::to_string(r) +
              ":80\"\nweight = " + std::to_string(r) + "\n";
  }
  return text;
}

const std::size_t kMany = 3 * kServicesPerPiece + 5;

TEST(PiecewiseParse, SameDocumentAsOneParse) {
  const std::string text = kHead + services(kMany);
  auto pieces = parseInPieces(text);
  ASSERT_TRUE(pieces);
  EXPECT_EQ(pieces->root, toml::parse(text));
  EXPECT_EQ(pieces->root.at_path("ipvs.service").as_array()->size(), kMany);

  const std::string no_ipvs_table = "[global]\nrouter_id = \"lb\"\n" + services(kMany);
  auto implicit = parseInPieces(no_ipvs_table);
  ASSERT_TRUE(implicit);
  EXPECT_EQ(implicit->root, toml::parse(no_ipvs_table));
}

TEST(PiecewiseParse, OtherLayoutsAreParsedWhole) {
  EXPECT_FALSE(parseInPieces(kHead + services(kServicesPerPiece))) << "few services";
  EXPECT_FALSE(parseInPieces(kHead + services(kMany) + "\n[virt]\nuri = \"qemu:///system\"\n")) << "a table after";
  EXPECT_FALSE(parseInPieces("[ipvs]\nservice = []\n" + services(kMany))) << "ipvs.service in the head";
  EXPECT_FALSE(parseInPieces("ipvs = { flush_on_stop = true }\n" + services(kMany))) << "inline ipvs table";
  EXPECT_FALSE(parseInPieces("[[ipvs.service.real_server]]\naddress = \"203.0.113.1:80\"\n" + services(kMany)));
  // A header-like line inside a multi-line string splits nothing silently: the piece does not parse.
  EXPECT_FALSE(parseInPieces(kHead + "notes = \"\"\"\n[[ipvs.service]]\n\"\"\"\n" + services(kMany)));
}

TEST(PiecewiseParse, ErrorsAreReportedAtTheirLineInTheWholeFile) {
  std::string text = kHead + services(kMany);
  const std::string bad = "name = \"s150\"\n";
  const auto at = text.find(bad);
  ASSERT_NE(at, std::string::npos);
  text.insert(at + bad.size(), "weight_of_nothing = 1\n");
  const int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n')) + 1;
  LoadResult result = loadString(text, "big.toml", LoadOptions{.check_files = false, .vnc_ports_taken = {}});
  EXPECT_FALSE(result.config);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].key_path, "ipvs.service[150].weight_of_nothing");
  EXPECT_EQ(result.errors[0].line, line);
  EXPECT_EQ(result.errors[0].column, 1);
}

TEST(PiecewiseParse, LoadGivesTheSameConfig) {
  const std::string text = kHead + services(kMany);
  LoadResult pieces = loadString(text, "big.toml", LoadOptions{.check_files = false, .vnc_ports_taken = {}});
  ASSERT_TRUE(pieces.config);
  // The same services behind a table the pieces do not allow: parsed whole.
  LoadResult whole =
      loadString(text + "\n[virt]\n", "big.toml", LoadOptions{.check_files = false, .vnc_ports_taken = {}});
  ASSERT_TRUE(whole.config);
  EXPECT_EQ(pieces.config->ipvs.service_fingerprints.size(), kMany);
  EXPECT_TRUE(whole.config->ipvs.service_fingerprints.empty());
  pieces.config->ipvs.service_fingerprints.clear();
  EXPECT_EQ(*pieces.config, *whole.config);
  EXPECT_EQ(pieces.config->ipvs.services.size(), kMany);
  EXPECT_EQ(pieces.config->ipvs.services[kMany - 1].real_servers[2].weight, 3);
}

// A fingerprint changes with its service's text and only with it.
TEST(PiecewiseParse, FingerprintsFollowEachServiceText) {
  const std::string text = kHead + services(kMany);
  std::string changed = text;
  const std::string weight = "address = \"203.0.113.2:80\"\nweight = 2\n";
  const auto at = changed.find(weight, changed.find("name = \"s100\""));
  ASSERT_NE(at, std::string::npos);
  changed.replace(at, weight.size(), "address = \"203.0.113.2:80\"\nweight = 7\n");
  auto before = parseInPieces(text);
  auto after = parseInPieces(changed);
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
}

}  // namespace
}  // namespace vipd::conf
