#include "store/checkpoint_json.h"

#include <algorithm>
#include <cstdio>
#include <string_view>
#include <vector>

namespace ckwrap {
namespace {

// The first max_ids done ids in byte order, so the output is stable.
void WriteDoneIds(const Checkpoint& c, size_t max_ids, JsonWriter* json) {
  // A max-heap of the smallest ids seen: memory for max_ids ids, not all.
  std::vector<std::string_view> ids;
  for (std::string_view id : c.done) {
    if (ids.size() < max_ids) {
      ids.push_back(id);
      std::push_heap(ids.begin(), ids.end());
    } else if (!ids.empty() && id < ids.front()) {
      std::pop_heap(ids.begin(), ids.end());
      ids.back() = id;
      std::push_heap(ids.begin(), ids.end());
    }
  }
  std::sort_heap(ids.begin(), ids.end());
  json->BeginArray();
  for (std::string_view id : ids) json->String(id);
  json->EndArray();
}

void WriteFailures(const FailureList& failures, JsonWriter* json) {
  json->BeginArray();
  for (const Failure& f : failures) {
    json->BeginObject().Key("id").String(f.id).Key("reason").String(f.reason);
    json->Key("count").Number(f.count).EndObject();
  }
  json->EndArray();
}

// The counters and times, from "records" to "done_count".
void WriteCounters(const Checkpoint& c, JsonWriter* json) {
  json->Key("records").Number(c.records);
  json->Key("attempts").Number(c.attempts);
  json->Key("restarts").Number(c.restarts);
  json->Key("created_unix_ms").Number(c.created_unix_ms);
  json->Key("updated_unix_ms").Number(c.updated_unix_ms);
  // A string: JSON readers commonly hold numbers as doubles, which would round a u64.
  char fingerprint[17];
  std::snprintf(fingerprint, sizeof fingerprint, "%016llx",
                static_cast<unsigned long long>(c.command_fingerprint));
  json->Key("command_fingerprint").String(fingerprint);
  json->Key("progress_done").Number(c.progress_done);
  json->Key("progress_total").Number(c.progress_total);
  json->Key("done_count").Number(c.done.size());
}

// The members written only when present, so that older consumers see the
// same object as before they existed.
void WriteOptionalMembers(const Checkpoint& c, JsonWriter* json) {
  if (c.progress_file.valid()) {
    json->Key("progress_file").BeginObject();
    json->Key("device").Number(c.progress_file.dev);
    json->Key("inode").Number(c.progress_file.ino);
    json->Key("offset").Number(c.progress_file.offset);
    json->EndObject();
  }
  if (!c.outputs.empty()) {
    json->Key("outputs").BeginArray();
    for (const auto& output : c.outputs) {
      json->BeginObject().Key("path").String(output.path);
      json->Key("size").Number(output.size).EndObject();
    }
    json->EndArray();
  }
  if (!c.inputs.empty()) {
    json->Key("inputs").BeginArray();
    for (const auto& input : c.inputs) {
      json->BeginObject().Key("path").String(input.path).Key("size").Number(input.size);
      json->Key("mtime_ns").Number(input.mtime_ns).EndObject();
    }
    json->EndArray();
  }
  if (c.keep_done) json->Key("incremental").Bool(true);
  if (!c.command.empty()) {
    json->Key("command").BeginArray();
    for (const auto& arg : c.command) json->String(arg);
    json->EndArray();
  }
}

}  // namespace

void WriteStateJson(const std::map<std::string, std::string>& state, JsonWriter* json) {
  json->BeginObject();
  for (const auto& [key, value] : state) json->Key(key).String(value);
  json->EndObject();
}

std::string StateToJson(const std::map<std::string, std::string>& state) {
  JsonWriter json;
  WriteStateJson(state, &json);
  return json.Take();
}

void WriteCheckpointJson(const Checkpoint& c, size_t max_done_ids, JsonWriter* json) {
  json->BeginObject().Key("position").StringOrNull(c.has_position, c.position);
  json->Key("complete").Bool(c.complete);
  WriteCounters(c, json);
  json->Key("done");
  WriteDoneIds(c, max_done_ids, json);
  json->Key("done_truncated").Bool(c.done.size() > max_done_ids);
  json->Key("failures");
  WriteFailures(c.failures, json);
  json->Key("state");
  WriteStateJson(c.state, json);
  WriteOptionalMembers(c, json);
  json->EndObject();
}

std::string CheckpointToJson(const Checkpoint& c, size_t max_done_ids) {
  JsonWriter json;
  WriteCheckpointJson(c, max_done_ids, &json);
  return json.Take();
}

}  // namespace ckwrap
