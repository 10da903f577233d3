#include <doctest/doctest.h>

#include <string>

#include "core/utf8.hpp"

using gpurun::core::invalid_utf8_at;

TEST_SUITE("utf8") {
  TEST_CASE("Valid UTF-8 of every length passes") {
    CHECK(invalid_utf8_at("") == std::string::npos);
    CHECK(invalid_utf8_at("plain ascii") == std::string::npos);
    CHECK(invalid_utf8_at("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80") == std::string::npos); // é € rocket
    CHECK(invalid_utf8_at("\xf4\x8f\xbf\xbf") == std::string::npos);                         // U+10FFFF
  }

  TEST_CASE("The first invalid byte is found") {
    CHECK(invalid_utf8_at("ab\x98" "c") == 2);             // a continuation byte alone
    CHECK(invalid_utf8_at("caf\xe9") == 3);                // Latin-1
    CHECK(invalid_utf8_at("x\xc3") == 1);                  // truncated
    CHECK(invalid_utf8_at("\xc0\xaf") == 0);               // overlong '/'
    CHECK(invalid_utf8_at("\xe0\x80\xaf") == 0);           // overlong, 3 bytes
    CHECK(invalid_utf8_at("ok\xed\xa0\x80") == 2);         // a surrogate, U+D800
    CHECK(invalid_utf8_at("\xf4\x90\x80\x80") == 0);       // beyond U+10FFFF
    CHECK(invalid_utf8_at("\xf8\x88\x80\x80\x80") == 0);   // 5-byte forms are gone
    CHECK(invalid_utf8_at(std::string("a\0b", 3)) == std::string::npos); // NUL is valid UTF-8
  }
}
