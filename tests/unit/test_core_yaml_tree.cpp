#include <doctest/doctest.h>

#include <functional>

#include "core/yaml_tree.hpp"

using namespace gpurun::core;

TEST_SUITE("YamlTree") {
  TEST_CASE("Positions are 1-based and quoted scalars are marked") {
    YamlFile file = parse_yaml("a:\n  b: 'x'\n", "f.yaml");
    REQUIRE(file.diagnostics.empty());
    const YamlNode& b = file.documents[0].entries[0].second.entries[0].second;
    CHECK(b.scalar == "x");
    CHECK(b.quoted);
    CHECK(b.pos.line == 2);
    CHECK(b.pos.column == 6);
  }

  TEST_CASE("A value that is not UTF-8 is refused where it stands, whatever else the file holds") {
    YamlFile file = parse_yaml("# caf\xe9 in a comment is fine\na:\n  b: [ok, \"ab\x98" "c\"]\n", "f.yaml");
    REQUIRE(file.diagnostics.size() == 1);
    CHECK(file.diagnostics[0].message == "not UTF-8 text: byte 0x98 at offset 2 of this value; YAML files are UTF-8");
    CHECK(file.diagnostics[0].pos.line == 3);
    CHECK(file.diagnostics[0].pos.column == 11); // the opening quote
    CHECK(file.documents.empty());
    CHECK(parse_yaml("a: \"caf\xc3\xa9 \xf0\x9f\x9a\x80\"\n", "f.yaml").diagnostics.empty());
  }

  TEST_CASE("A stream yaml-cpp would turn into endless empty documents is refused at once") {
    for (const char* text : {",", "a: 1\n---\n,\n", "--- ,"}) {
      YamlFile file = parse_yaml(text, "f.yaml");
      REQUIRE(file.diagnostics.size() == 1);
      CHECK(file.diagnostics[0].message == "invalid YAML: a document cannot start with ','");
    }
    CHECK(parse_yaml("a: 1\n---\nb: 2\n...\n---\n", "f.yaml").documents.size() == 3);
  }

  TEST_CASE("An alias bomb stops at the node budget instead of exhausting memory") {
    std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
    char prev = 'a';
    for (char c = 'b'; c <= 'k'; ++c) {
      bomb += std::string(1, c) + ": &" + c + " [";
      for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", *" : "*") + prev;
      bomb += "]\n";
      prev = c;
    }
    YamlFile file = parse_yaml(bomb, "bomb.yaml");
    REQUIRE(file.diagnostics.size() == 1);
    CHECK(file.diagnostics[0].message == "document too large: more than 1000000 nodes once aliases are expanded");
    CHECK(file.diagnostics[0].pos.line == 6); // where the count passed the budget, before building anything
  }

  TEST_CASE("The node budget counts expanded aliases exactly: the limit passes, one more node does not") {
    // 1 mapping + key a + a list of 667 scalars (668) + key b + a list of 1496 aliases to it:
    // 4 + 1497 * 668 = 1,000,000 nodes.
    std::string text = "a: &a [";
    for (int i = 0; i < 667; ++i) text += i ? ",x" : "x";
    text += "]\nb: [";
    for (int i = 0; i < 1496; ++i) text += i ? ",*a" : "*a";
    YamlFile at_limit = parse_yaml(text + "]\n", "f.yaml");
    REQUIRE(at_limit.diagnostics.empty());
    std::function<size_t(const YamlNode&)> count = [&](const YamlNode& node) {
      size_t n = 1;
      for (const YamlNode& item : node.items) n += count(item);
      for (const auto& entry : node.entries) n += count(entry.first) + count(entry.second);
      return n;
    };
    CHECK(count(at_limit.documents.at(0)) == k_max_yaml_nodes);
    YamlFile over = parse_yaml(text + ",y]\n", "f.yaml");
    REQUIRE(over.diagnostics.size() == 1);
    CHECK(over.diagnostics[0].message == "document too large: more than 1000000 nodes once aliases are expanded");
  }

  TEST_CASE("Deep nesting is an error, not a stack overflow") {
    YamlFile file = parse_yaml(std::string(100'000, '[') + std::string(100'000, ']'), "deep.yaml");
    REQUIRE(file.diagnostics.size() == 1);
    CHECK(file.diagnostics[0].message.starts_with("invalid YAML"));
    YamlFile mid = parse_yaml(std::string(100, '[') + std::string(100, ']'), "mid.yaml");
    REQUIRE(mid.diagnostics.size() == 1);
    CHECK(mid.diagnostics[0].message == "nesting deeper than 64 levels");
  }

  TEST_CASE("Binary input is refused") {
    YamlFile file = parse_yaml(std::string("app: a\0b", 8), "bin.yaml");
    REQUIRE(file.diagnostics.size() == 1);
    CHECK(file.diagnostics[0].message == "not a text file: NUL byte at offset 6");
  }

  TEST_CASE("Unreadable files are diagnostics") {
    YamlFile file = read_yaml_file("/nonexistent/gpurun.yaml");
    REQUIRE(file.diagnostics.size() == 1);
    CHECK(file.diagnostics[0].message == "cannot read: No such file or directory");
    YamlFile dir = read_yaml_file("/");
    REQUIRE(dir.diagnostics.size() == 1);
    CHECK(dir.diagnostics[0].message == "cannot read: is a directory");
  }
}
