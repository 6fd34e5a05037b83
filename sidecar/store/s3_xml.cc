#include "store/s3_xml.h"

#include <expat.h>

#include <memory>

namespace ckwrap {
namespace {

// Collects the text of every element whose path from the root (names
// joined by '/') is in wanted, in document order, with the root's name.
struct TextCollector {
  std::vector<std::string> wanted;
  std::string path;
  std::string root;
  std::vector<std::pair<std::string, std::string>> found;  // path, text
  bool in_wanted = false;
};

void OnStart(void* data, const XML_Char* name, const XML_Char** /*attributes*/) {
  auto* c = static_cast<TextCollector*>(data);
  if (c->path.empty()) c->root = name;
  c->path += c->path.empty() ? name : std::string("/") + name;
  c->in_wanted = false;
  for (const std::string& w : c->wanted) {
    if (w == c->path) {
      c->found.emplace_back(c->path, "");
      c->in_wanted = true;
    }
  }
}

void OnEnd(void* data, const XML_Char* /*name*/) {
  auto* c = static_cast<TextCollector*>(data);
  size_t slash = c->path.rfind('/');
  c->path.resize(slash == std::string::npos ? 0 : slash);
  c->in_wanted = false;
}

void OnText(void* data, const XML_Char* text, int length) {
  auto* c = static_cast<TextCollector*>(data);
  if (c->in_wanted) c->found.back().second.append(text, static_cast<size_t>(length));
}

// Parses xml into collector; false when it is not well-formed XML.
bool Collect(std::string_view xml, TextCollector* collector) {
  std::unique_ptr<XML_ParserStruct, decltype(&XML_ParserFree)> parser(XML_ParserCreate("UTF-8"),
                                                                      &XML_ParserFree);
  if (!parser) return false;
  XML_SetUserData(parser.get(), collector);
  XML_SetElementHandler(parser.get(), OnStart, OnEnd);
  XML_SetCharacterDataHandler(parser.get(), OnText);
  return XML_Parse(parser.get(), xml.data(), static_cast<int>(xml.size()), 1) == XML_STATUS_OK;
}

}  // namespace

Status ParseListObjectsV2(std::string_view xml, S3ListPage* page) {
  TextCollector c;
  c.wanted = {"ListBucketResult/Contents/Key", "ListBucketResult/IsTruncated",
              "ListBucketResult/NextContinuationToken"};
  if (!Collect(xml, &c)) return Status::Corruption("an S3 listing that is not well-formed XML");
  if (c.root != "ListBucketResult") {
    return Status::Corruption("an S3 listing whose root element is '" + c.root +
                              "', not ListBucketResult");
  }
  S3ListPage p;
  for (auto& [path, text] : c.found) {
    if (path == "ListBucketResult/Contents/Key") p.keys.push_back(std::move(text));
    if (path == "ListBucketResult/IsTruncated") p.is_truncated = text == "true";
    if (path == "ListBucketResult/NextContinuationToken") p.next_continuation_token = text;
  }
  if (p.is_truncated && p.next_continuation_token.empty()) {
    return Status::Corruption("an S3 listing page that is truncated but names no next page");
  }
  *page = std::move(p);
  return Status::Ok();
}

S3Error ParseS3Error(std::string_view xml) {
  TextCollector c;
  c.wanted = {"Error/Code", "Error/Message"};
  S3Error error;
  if (!Collect(xml, &c)) return error;
  for (auto& [path, text] : c.found) (path == "Error/Code" ? error.code : error.message) = text;
  return error;
}

}  // namespace ckwrap
