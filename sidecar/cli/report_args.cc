#include "cli/report_args.h"

namespace ckwrap {

Status ParseReportArgs(const std::vector<std::string>& args, bool allow_name, ReportArgs* out) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--json") {
      out->json = true;
    } else if (arg == "--field" && i + 1 < args.size() && out->field.empty()) {
      out->field = args[++i];
    } else if (allow_name && arg == "--name" && i + 1 < args.size() && out->target.empty()) {
      const std::string& name = args[++i];
      if (name.empty() || name.find('/') != std::string::npos) {
        return Status::Error("bad --name '" + name + "' (a non-empty name without '/')");
      }
      out->target = ".ckwrap/" + name;
    } else if (out->target.empty() && !arg.empty() && arg[0] != '-') {
      out->target = arg;
    } else {
      return Status::Error("unexpected '" + arg + "'");
    }
  }
  if (out->json && !out->field.empty()) return Status::Error("--json and --field together");
  return Status::Ok();
}

}  // namespace ckwrap
