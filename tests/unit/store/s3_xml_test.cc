// S3's XML answers (store/s3_xml.h): a ListObjectsV2 page read right, and
// nothing misread into a listing that ends early.
#include "store/s3_xml.h"

#include <doctest/doctest.h>

namespace ckwrap {
namespace {

const char* kHead = R"(<?xml version="1.0" encoding="UTF-8"?>)"
                    R"(<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">)";

TEST_CASE("a truncated ListObjectsV2 page gives its keys and the next page's token") {
  std::string xml = std::string(kHead) +
                    "<Name>b</Name><Prefix>p/</Prefix><MaxKeys>2</MaxKeys>"
                    "<IsTruncated>true</IsTruncated>"
                    "<Contents><Key>p/1</Key><ETag>&quot;e1&quot;</ETag><Size>4</Size></Contents>"
                    "<Contents><Key>p/2</Key><Size>5</Size></Contents>"
                    "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="
                    "</NextContinuationToken><KeyCount>2</KeyCount></ListBucketResult>";
  S3ListPage page;
  REQUIRE(ParseListObjectsV2(xml, &page).ok());
  CHECK(page.keys == std::vector<std::string>{"p/1", "p/2"});
  CHECK(page.is_truncated);
  CHECK(page.next_continuation_token == "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
}

TEST_CASE("the last page is not truncated; an empty listing has no keys") {
  S3ListPage page;
  page.keys = {"left over"};
  std::string empty = std::string(kHead) +
                      "<Name>b</Name><Prefix>none/</Prefix><KeyCount>0</KeyCount>"
                      "<MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>";
  REQUIRE(ParseListObjectsV2(empty, &page).ok());
  CHECK(page.keys.empty());
  CHECK_FALSE(page.is_truncated);
  CHECK(page.next_continuation_token.empty());
}

TEST_CASE("keys with XML escapes, split across the parser's text calls, are decoded whole") {
  std::string xml = std::string(kHead) +
                    "<IsTruncated>false</IsTruncated>"
                    "<Contents><Key>a&amp;b &lt;c&gt; &quot;d&apos; &#233;</Key></Contents>"
                    "<Contents><Key>gen/00000000000000000007.ckpt</Key></Contents>"
                    "</ListBucketResult>";
  S3ListPage page;
  REQUIRE(ParseListObjectsV2(xml, &page).ok());
  CHECK(page.keys ==
        std::vector<std::string>{"a&b <c> \"d' \xC3\xA9", "gen/00000000000000000007.ckpt"});
}

TEST_CASE("only the keys of Contents are keys: a prefix or an owner's ID is not") {
  std::string xml = std::string(kHead) +
                    "<Prefix>p/</Prefix><StartAfter>p/0</StartAfter>"
                    "<Contents><Key>p/1</Key><Owner><ID>p/owner</ID></Owner></Contents>"
                    "<CommonPrefixes><Prefix>p/sub/</Prefix></CommonPrefixes>"
                    "<IsTruncated>false</IsTruncated></ListBucketResult>";
  S3ListPage page;
  REQUIRE(ParseListObjectsV2(xml, &page).ok());
  CHECK(page.keys == std::vector<std::string>{"p/1"});
}

TEST_CASE("what is not a whole listing is refused, never read as a shorter one") {
  S3ListPage page;
  Status s = ParseListObjectsV2(std::string(kHead) + "<Contents><Key>p/1</Key>", &page);
  CHECK(s.IsCorruption());
  CHECK(s.message().find("not well-formed XML") != std::string::npos);
  s = ParseListObjectsV2("<Error><Code>AccessDenied</Code></Error>", &page);
  CHECK(s.IsCorruption());
  CHECK(s.message().find("'Error'") != std::string::npos);
  s = ParseListObjectsV2(std::string(kHead) +
                             "<IsTruncated>true</IsTruncated><Contents><Key>p/1</Key>"
                             "</Contents></ListBucketResult>",
                         &page);
  CHECK(s.IsCorruption());
  CHECK(s.message().find("names no next page") != std::string::npos);
  CHECK(ParseListObjectsV2("", &page).IsCorruption());
}

TEST_CASE("an S3 error's code and message; a body that is not one gives neither") {
  S3Error e = ParseS3Error(
      R"(<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code>)"
      "<Message>The specified key does not exist.</Message><Key>a&amp;b</Key></Error>");
  CHECK(e.code == "NoSuchKey");
  CHECK(e.message == "The specified key does not exist.");
  e = ParseS3Error("<html><body>502 Bad Gateway</body></html>");
  CHECK(e.code.empty());
  CHECK(e.message.empty());
  CHECK(ParseS3Error("").code.empty());
}

}  // namespace
}  // namespace ckwrap
