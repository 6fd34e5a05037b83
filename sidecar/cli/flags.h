// The one argument grammar of every ckwrap subcommand (man/ckwrap.1,
// DESCRIPTION): a flag is "--name value" or "--name=value"; "--help" or "-h"
// asks for the usage; "--" ends the flags; a lone "-" is an operand; an
// unknown flag is an error that names it. A command's flags are a table of
// Flag rows, and its --help is printed from the same rows, so a flag cannot be
// parsed without being documented or documented without being parsed.
#pragma once

#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"

namespace ckwrap {

template <typename Out>
struct Flag {
  const char* name;           // "--grace"
  const char* env;            // "CKWRAP_GRACE"; nullptr: the command line only
  const char* metavar;        // "D" in --help; nullptr: the flag takes no value
  const char* default_shown;  // --help's "default ..."; nullptr: none shown
  const char* help;           // --help's text, wrapped when printed
  // Checks value and stores it in out. flag is the spelling the user wrote (a
  // flag or a variable), so that a message names what to fix.
  std::function<Status(const std::string& flag, const std::string& value, Out* out)> set;

  bool takes_value() const { return metavar != nullptr; }
};

// Where a command's operands (its words that are not flags) may stand.
enum class Operands {
  kAnywhere,  // before, after or among the flags
  kEndFlags,  // the first one ends the flags: a command line or a record follows
};

struct ParsedArgs {
  std::vector<std::string> operands;
  bool help = false;     // --help or -h
  std::string bad_word;  // after a grammar error (not a bad value): the word at fault
};

// text's words in lines of at most 80 columns, each after the first indented
// by indent (the first is taken to start there too).
std::string WrapText(const std::string& text, size_t indent);
// A label and its text as --help prints a flag or a subcommand: the label in
// a 24-column margin (on a line of its own when longer), the text wrapped.
std::string HelpEntry(const std::string& label, const std::string& text);

namespace flags_internal {

// One command-line word as the grammar sees it.
struct Word {
  enum Kind { kOperand, kEndOfFlags, kHelp, kFlag } kind = kOperand;
  std::string name;  // "--grace" of "--grace=10s"
  bool has_value = false;
  std::string value;  // "10s" of "--grace=10s"
};
Word Classify(const std::string& arg);
// A grammar error naming word; parsed->bad_word is set to it.
Status Misuse(const std::string& message, const std::string& word, ParsedArgs* parsed);
bool IsTrue(const std::string& value);
std::string FlagEntry(const char* name, const char* env, const char* metavar,
                      const char* default_shown, const char* help);

template <typename Out>
const Flag<Out>* Find(const std::vector<Flag<Out>>& flags, const std::string& name) {
  for (const auto& flag : flags) {
    if (name == flag.name) return &flag;
  }
  return nullptr;
}

// The value of the flag at args[*i], from "=value" or the next word.
template <typename Out>
Status TakeValue(const Flag<Out>& flag, const Word& word, const std::vector<std::string>& args,
                 size_t* i, std::string* value, ParsedArgs* parsed) {
  if (!flag.takes_value()) {
    return word.has_value ? Misuse("option " + word.name + " takes no value", word.name, parsed)
                          : Status::Ok();
  }
  if (word.has_value) {
    *value = word.value;
  } else if (*i + 1 < args.size()) {
    *value = args[++*i];  // taken as it is, even when it starts with '-'
  } else {
    return Misuse("option " + word.name + " needs a value", word.name, parsed);
  }
  return Status::Ok();
}

}  // namespace flags_internal

// Parses args by the flag table into out; the operands and --help go to parsed.
template <typename Out>
Status ParseFlags(const std::vector<Flag<Out>>& flags, const std::vector<std::string>& args,
                  Operands where, Out* out, ParsedArgs* parsed) {
  using flags_internal::Word;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    Word word = flags_internal::Classify(args[i]);
    if (word.kind == Word::kEndOfFlags) {
      ++i;
      break;
    }
    if (word.kind == Word::kOperand && where == Operands::kEndFlags) break;
    if (word.kind == Word::kOperand) {
      parsed->operands.push_back(args[i]);
      continue;
    }
    if (word.kind == Word::kHelp) {
      if (word.has_value) {
        return flags_internal::Misuse("option " + word.name + " takes no value", word.name, parsed);
      }
      parsed->help = true;
      continue;
    }
    const Flag<Out>* flag = flags_internal::Find(flags, word.name);
    if (flag == nullptr) {
      return flags_internal::Misuse("unknown option '" + word.name + "'", word.name, parsed);
    }
    std::string value;
    Status status = flags_internal::TakeValue(*flag, word, args, &i, &value, parsed);
    if (status.ok()) status = flag->set(word.name, value, out);
    if (!status.ok()) return status;
  }
  parsed->operands.insert(parsed->operands.end(), args.begin() + i, args.end());
  return Status::Ok();
}

// Sets out from the flags' environment variables. A flag without a value is
// set by its variable being 1, true or yes; any other value leaves it off.
template <typename Out>
Status ApplyEnvironment(const std::vector<Flag<Out>>& flags, Out* out) {
  for (const auto& flag : flags) {
    const char* value = flag.env == nullptr ? nullptr : std::getenv(flag.env);
    if (value == nullptr) continue;
    if (!flag.takes_value() && !flags_internal::IsTrue(value)) continue;
    Status status = flag.set(flag.env, value, out);
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

// The flags' --help entries, "--help, -h" last; each flag's text ends with
// "(VARIABLE; default X)" as far as it has them.
template <typename Out>
std::string FlagsHelp(const std::vector<Flag<Out>>& flags) {
  std::string text;
  for (const auto& f : flags) {
    text += flags_internal::FlagEntry(f.name, f.env, f.metavar, f.default_shown, f.help);
  }
  return text + HelpEntry("--help, -h", "print this help and exit");
}

}  // namespace ckwrap
