#include "cli/report_args.h"

#include "cli/commands.h"
#include "cli/flags.h"

namespace ckwrap {
namespace {

using ReportFlag = Flag<ReportArgs>;

Status SetJson(const std::string&, const std::string&, ReportArgs* out) {
  out->json = true;
  return Status::Ok();
}

Status SetField(const std::string&, const std::string& value, ReportArgs* out) {
  out->field = value;
  return Status::Ok();
}

Status SetName(const std::string&, const std::string& name, ReportArgs* out) {
  if (name.empty() || name.find('/') != std::string::npos) {
    return Status::Error("bad --name '" + name + "' (a non-empty name without '/')");
  }
  out->target = ".ckwrap/" + name;
  return Status::Ok();
}

const std::vector<ReportFlag>& ReportFlags(bool allow_name) {
  // The metavars are those of the synopses in man/ckwrap.1.
  static const std::vector<ReportFlag> inspect = {
      {"--json", nullptr, nullptr, nullptr, "print one JSON object instead of text", SetJson},
      {"--field", nullptr, "NAME", nullptr, "print the field NAME alone, for scripts", SetField},
  };
  static const std::vector<ReportFlag> status = {
      {"--name", nullptr, "NAME", nullptr, "the job whose state directory is .ckwrap/NAME",
       SetName},
      {"--json", nullptr, nullptr, nullptr, "print JSON instead of text", SetJson},
      {"--field", nullptr, "F", nullptr, "print the field F alone, for scripts", SetField},
  };
  return allow_name ? status : inspect;
}

}  // namespace

Status ParseReportArgs(const std::vector<std::string>& args, bool allow_name, ReportArgs* out) {
  ParsedArgs parsed;
  Status status = ParseFlags(ReportFlags(allow_name), args, Operands::kAnywhere, out, &parsed);
  if (!status.ok()) {
    return parsed.bad_word.empty() ? status : Status::Error("unexpected '" + parsed.bad_word + "'");
  }
  out->help = parsed.help;
  const std::vector<std::string>& operands = parsed.operands;
  // inspect takes one target, status any number; an operand beside --name is
  // a mistake.
  bool named = !out->target.empty();
  if (operands.size() > (named ? 0 : allow_name ? operands.size() : 1))
    return Status::Error("unexpected '" + operands.back() + "'");
  if (!operands.empty()) out->target = operands[0];
  out->targets = named ? std::vector<std::string>{out->target} : operands;
  if (out->json && !out->field.empty()) return Status::Error("--json and --field together");
  return Status::Ok();
}

std::string ReportFlagsHelp(bool allow_name) { return FlagsHelp(ReportFlags(allow_name)); }

std::optional<int> ParseReportCommand(const Subcommand& self, const std::vector<std::string>& args,
                                      bool allow_name, const char* details, ReportArgs* out) {
  Status parsed = ParseReportArgs(args, allow_name, out);
  if (!parsed.ok()) return UsageError(self, parsed.message());
  if (out->help) return PrintHelp(self, ReportFlagsHelp(allow_name), details);
  return std::nullopt;
}

}  // namespace ckwrap
