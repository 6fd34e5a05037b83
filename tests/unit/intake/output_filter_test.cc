#include "intake/output_filter.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace ckwrap {
namespace {

struct Collected {
  std::string passed;
  std::vector<std::string> records;
  std::vector<std::string> text;
  std::vector<uint64_t> overlong;
  size_t pass_calls = 0;
};

OutputFilter MakeFilter(Collected* c, std::string prefix = "@ckwrap ", size_t max = 64) {
  OutputFilter::Callbacks cb;
  cb.pass = [c](std::string_view b) {
    c->passed.append(b);
    c->pass_calls++;
  };
  cb.record = [c](uint64_t, std::string_view l) { c->records.emplace_back(l); };
  cb.text = [c](uint64_t, std::string_view l) { c->text.emplace_back(l); };
  cb.overlong = [c](uint64_t n) { c->overlong.push_back(n); };
  return OutputFilter(std::move(prefix), max, std::move(cb));
}

using namespace std::string_literals;
const std::string kStream =
    "hello\n@ckwrap CKPT 5\r\nprompt> @ckwrap no\n@ckwra\n@ckwrap DONE a b\nbin\0ary\xff\nend"s;
const std::string kPassed = "hello\nprompt> @ckwrap no\n@ckwra\nbin\0ary\xff\nend"s;

TEST_SUITE_BEGIN("intake/output_filter");

TEST_CASE("Records are taken out and everything else passes byte for byte") {
  const std::string stream(kStream.data(), kStream.size());
  // Every split point into two reads gives the same result.
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    Collected c;
    OutputFilter f = MakeFilter(&c);
    f.Feed(std::string_view(stream).substr(0, cut));
    f.Feed(std::string_view(stream).substr(cut));
    f.Finish();
    INFO("cut at ", cut);
    CHECK(c.passed == std::string(kPassed.data(), kPassed.size()));
    CHECK(c.records == std::vector<std::string>{"CKPT 5", "DONE a b"});
    CHECK(c.text.size() == 5);
  }
}

TEST_CASE("A stream fed a byte at a time keeps its order") {
  Collected c;
  OutputFilter f = MakeFilter(&c);
  for (char ch : kStream) f.Feed(std::string_view(&ch, 1));
  f.Finish();
  CHECK(c.passed == kPassed);
  CHECK(c.records.size() == 2);
}

TEST_CASE("A partial line passes at once unless it may still be a record") {
  Collected c;
  OutputFilter f = MakeFilter(&c);
  f.Feed("Password: ");
  CHECK(c.passed == "Password: ");  // no newline needed
  f.Feed("x\n@ck");
  CHECK(c.passed == "Password: x\n");  // "@ck" could still be a record
  f.Feed("x\n");
  CHECK(c.passed == "Password: x\n@ckx\n");
  f.Feed("@ckw");
  f.Finish();  // a held partial prefix at EOF is output
  CHECK(c.passed == "Password: x\n@ckx\n@ckw");
  CHECK(c.records.empty());
}

TEST_CASE("An unterminated record is delivered at EOF") {
  Collected c;
  OutputFilter f = MakeFilter(&c);
  f.Feed("@ckwrap CKPT 9");
  CHECK(c.records.empty());
  f.Finish();
  CHECK(c.records == std::vector<std::string>{"CKPT 9"});
  CHECK(c.passed.empty());
}

TEST_CASE("An overlong record is skipped with bounded memory") {
  Collected c;
  OutputFilter f = MakeFilter(&c, "@ckwrap ", 16);
  f.Feed("a\n@ckwrap ");
  for (int i = 0; i < 1000; ++i) f.Feed("xxxxxxxxxx");
  f.Feed("\n@ckwrap CKPT 1\n");
  f.Finish();
  CHECK(c.overlong == std::vector<uint64_t>{2});
  CHECK(c.records == std::vector<std::string>{"CKPT 1"});
  CHECK(c.passed == "a\n");
}

TEST_CASE("An overlong text line passes but is not offered for matching") {
  Collected c;
  OutputFilter f = MakeFilter(&c, "", 16);
  std::string longline(100, 'y');
  f.Feed(longline.substr(0, 50));
  f.Feed(longline.substr(50) + "\nshort\n");
  f.Finish();
  CHECK(c.passed == longline + "\nshort\n");
  CHECK(c.text == std::vector<std::string>{"short"});
}

TEST_CASE("Without a prefix everything passes and every line is offered for matching") {
  Collected c;
  OutputFilter f = MakeFilter(&c, "");
  f.Feed("@ckwrap CKPT 1\nProcessed 3 rows\r\nlast");
  f.Finish();
  CHECK(c.passed == "@ckwrap CKPT 1\nProcessed 3 rows\r\nlast");
  CHECK(c.records.empty());
  CHECK(c.text == std::vector<std::string>{"@ckwrap CKPT 1", "Processed 3 rows", "last"});
}

TEST_CASE("Each read is passed on in one write") {
  Collected c;
  OutputFilter f = MakeFilter(&c);
  f.Feed("a\n@ckwrap CKPT 1\nb\nc\n");
  CHECK(c.pass_calls == 1);
  CHECK(c.passed == "a\nb\nc\n");
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
