#include "base/log.h"

#include "base/clock.h"
#include "base/escape.h"
#include "base/json_writer.h"
#include "base/terminal.h"

namespace ckwrap {
namespace {

bool quiet_mode = false;
bool verbose_mode = false;
bool json_mode = false;

void WriteLine(const char* level, const std::string& message, const std::string& json_fields = "") {
  if (!json_mode) {
    // Messages quote positions, ids and paths from the job: never raw control
    // bytes on the operator's terminal. Line feeds are the message's own.
    WriteMessageLine("ckwrap: " + PrintableLines(message) + "\n");
    return;
  }
  JsonWriter json;
  json.BeginObject().Key("ts_ms").Number(NowUnixMs());
  json.Key("level").String(level).Key("msg").String(message);
  if (!json_fields.empty()) json.Key("status").Raw(json_fields);
  WriteMessageLine(json.EndObject().Take() + "\n");
}

}  // namespace

void SetQuiet(bool quiet) { quiet_mode = quiet; }
void SetVerbose(bool verbose) { verbose_mode = verbose; }
void SetLogJson(bool json) { json_mode = json; }

void LogInfo(const std::string& message) {
  if (!quiet_mode) WriteLine("info", message);
}

void LogVerbose(const std::string& message) {
  if (verbose_mode && !quiet_mode) WriteLine("debug", message);
}

void LogError(const std::string& message) { WriteLine("error", message); }

void LogStatus(const std::string& message, const std::string& json_fields) {
  if (!quiet_mode) WriteLine("status", message, json_fields);
}

}  // namespace ckwrap
