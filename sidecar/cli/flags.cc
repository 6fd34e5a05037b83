#include "cli/flags.h"

#include <sstream>

namespace ckwrap {
namespace {

constexpr size_t kMargin = 24;  // where the text starts: room for most labels
constexpr size_t kWidth = 80;   // a terminal's default width

}  // namespace

std::string WrapText(const std::string& text, size_t indent) {
  std::string out;
  size_t column = indent;
  std::istringstream words(text);
  std::string word;
  while (words >> word) {
    if (!out.empty() && column + 1 + word.size() > kWidth) {
      out += "\n" + std::string(indent, ' ');
      column = indent;
    } else if (!out.empty()) {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
  }
  return out + "\n";
}

std::string HelpEntry(const std::string& label, const std::string& text) {
  std::string out = "  " + label;
  // A label that leaves no room for two spaces before the margin gets a line
  // of its own, so that every text starts in the same column.
  bool own_line = out.size() + 2 > kMargin;
  out += own_line ? "\n" + std::string(kMargin, ' ') : std::string(kMargin - out.size(), ' ');
  return out + WrapText(text, kMargin);
}

namespace flags_internal {

Word Classify(const std::string& arg) {
  Word word;
  if (arg == "--") {
    word.kind = Word::kEndOfFlags;
  } else if (arg.size() < 2 || arg[0] != '-') {
    word.kind = Word::kOperand;  // a lone "-" too: by convention stdin or a name
  } else {
    size_t eq = arg.find('=');
    word.name = arg.substr(0, eq);
    word.has_value = eq != std::string::npos;
    if (word.has_value) word.value = arg.substr(eq + 1);
    word.kind = word.name == "--help" || word.name == "-h" ? Word::kHelp : Word::kFlag;
  }
  return word;
}

Status Misuse(const std::string& message, const std::string& word, ParsedArgs* parsed) {
  parsed->bad_word = word;
  return Status::Error(message);
}

bool IsTrue(const std::string& value) { return value == "1" || value == "true" || value == "yes"; }

std::string FlagEntry(const char* name, const char* env, const char* metavar,
                      const char* default_shown, const char* help) {
  std::string label = name;
  if (metavar != nullptr) label += std::string(" ") + metavar;
  std::string note;
  if (env != nullptr) note = std::string(env) + (metavar != nullptr ? "" : "=1");
  if (default_shown != nullptr) {
    note += std::string(note.empty() ? "" : "; ") + "default " + default_shown;
  }
  return HelpEntry(label, note.empty() ? help : std::string(help) + " (" + note + ")");
}

}  // namespace flags_internal
}  // namespace ckwrap
