#include "virt/reconcile.hpp"

#include <gtest/gtest.h>

namespace vipd::virt {
namespace {

DomainSpec spec(const std::string& name, bool running = true, bool autostart = true) {
  DomainSpec s;
  s.name = name;
  s.uuid = guestUuid(name);
  s.memory_kib = 65536;
  s.disk = "/d/" + name + ".qcow2";
  s.running = running;
  s.autostart = autostart;
  return s;
}

ActualDomain ours(const DomainSpec& s, bool active, bool autostart) {
  return {s.name, true, specDigest(s), active, autostart};
}

std::vector<std::string> texts(const std::vector<Op>& ops) {
  std::vector<std::string> out;
  for (const auto& op : ops) out.push_back(toString(op));
  return out;
}

using Texts = std::vector<std::string>;

TEST(ReconcileDiff, MissingGuestIsDefinedAutostartedAndStarted) {
  EXPECT_EQ(texts(diff({spec("a")}, {})), (Texts{"define a", "set_autostart a on", "start a"}));
  EXPECT_EQ(texts(diff({spec("a", false, false)}, {})), (Texts{"define a", "set_autostart a off"}));
}

TEST(ReconcileDiff, InSyncGuestNeedsNothing) {
  auto a = spec("a");
  EXPECT_TRUE(diff({a}, {ours(a, true, true)}).empty());
  auto b = spec("b", false, false);
  EXPECT_TRUE(diff({b}, {ours(b, false, false)}).empty());
}

TEST(ReconcileDiff, ChangedDefinitionIsRedefinedAndAppliedLiveWhenRunning) {
  auto before = spec("a");
  auto after = before;
  after.memory_kib *= 2;
  EXPECT_EQ(texts(diff({after}, {ours(before, true, true)})), (Texts{"define a", "apply_live a"}));
  EXPECT_EQ(texts(diff({after}, {ours(before, false, true)})), (Texts{"define a", "start a"}));
}

TEST(ReconcileDiff, StateAndAutostartFollowTheConfig) {
  struct Row {
    bool want_running, want_autostart, active, autostart;
    Texts expected;
  };
  const Row rows[] = {
      {true, true, false, true, {"start a"}},
      {false, true, true, true, {"stop a"}},
      {true, false, true, true, {"set_autostart a off"}},
      {false, true, true, false, {"set_autostart a on", "stop a"}},
  };
  for (const auto& row : rows) {
    auto a = spec("a", row.want_running, row.want_autostart);
    EXPECT_EQ(texts(diff({a}, {ours(a, row.active, row.autostart)})), row.expected)
        << row.want_running << row.want_autostart << row.active << row.autostart;
  }
}

TEST(ReconcileDiff, RemovedGuestIsRemovedFirstForeignDomainsUntouched) {
  auto a = spec("a");
  auto gone = spec("gone");
  ActualDomain foreign{"someone-elses", false, "", true, true};
  EXPECT_EQ(texts(diff({a}, {foreign, ours(gone, true, true), ours(a, true, true)})), (Texts{"remove gone"}));
}

TEST(ReconcileDiff, ForeignDomainWithDesiredNameIsAConflictNotTakenOver) {
  ActualDomain foreign{"a", false, "", false, false};
  EXPECT_EQ(texts(diff({spec("a")}, {foreign})), (Texts{"conflict a"}));
}

TEST(ReconcileDiff, HeldGuestIsNotStartedDuringBackoff) {
  auto a = spec("a");
  EXPECT_TRUE(diff({a}, {ours(a, false, true)}, {"a"}).empty());
  EXPECT_EQ(texts(diff({a}, {ours(a, false, true)}, {"b"})), (Texts{"start a"}));
}

}  // namespace
}  // namespace vipd::virt
