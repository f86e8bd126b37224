#include "daemon/control_protocol.hpp"

#include <gtest/gtest.h>

namespace vipd::daemon {
namespace {

nlohmann::json ask(const std::string& line) {
  Commands commands{{"status", [](const nlohmann::json&) { return nlohmann::json{{"generation", 3}}; }},
                    {"fails", [](const nlohmann::json&) { return nlohmann::json{{"ok", false}, {"errors", {"x"}}}; }}};
  return nlohmann::json::parse(answerRequest(line, commands));
}

TEST(ControlProtocol, AnswersAKnownCommand) {
  auto answer = ask(R"({"command":"status"})");
  EXPECT_EQ(answer["ok"], true);
  EXPECT_EQ(answer["generation"], 3);
}

TEST(ControlProtocol, KeepsACommandsOwnFailure) {
  auto answer = ask(R"({"command":"fails"})");
  EXPECT_EQ(answer["ok"], false);
  EXPECT_EQ(answer["errors"][0], "x");
}

TEST(ControlProtocol, RejectsWhatIsNotARequest) {
  struct Row {
    const char* line;
    const char* error;
  };
  for (auto row : {Row{"garbage", "request is not valid JSON"}, Row{"{\"command\":", "request is not valid JSON"},
                   Row{"[1,2]", "request needs a \"command\" string"},
                   Row{"{\"command\":7}", "request needs a \"command\" string"},
                   Row{"{\"command\":\"nope\"}", "unknown command: nope"}, Row{"", "request is not valid JSON"}}) {
    auto answer = ask(row.line);
    EXPECT_EQ(answer["ok"], false) << row.line;
    EXPECT_EQ(answer["error"], row.error) << row.line;
  }
}

TEST(ControlProtocol, ReplacesInvalidUtf8InAnswers) {
  Commands commands{{"s", [](const nlohmann::json&) { return nlohmann::json{{"text", std::string("a\xff")}}; }}};
  auto answer = nlohmann::json::parse(answerRequest(R"({"command":"s"})", commands));
  EXPECT_EQ(answer["text"], "a\xEF\xBF\xBD");
}

}  // namespace
}  // namespace vipd::daemon
